import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAccountServer, type AccountTestServer } from '../../support/accounts.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import type { TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

/** Issue 16, accounts section: search, and every change an admin API call with the operator's token. */
describe('admin console: accounts', () => {
  const clock = new ManualClock(Date.now());
  let env: AccountTestServer;
  let server: TestServer;
  let writer: Operator;
  let agent: UserAgent;
  let page: Page;

  beforeAll(async () => {
    env = await startAccountServer({ clock });
    server = env.server;
    await server.container.attributes.defineAttribute({ name: 'department', type: 'string' }, TEST_ACTOR);
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
    ({ agent, page } = await signInToConsole(server, writer, clock, '/admin/accounts'));
  });
  afterAll(() => env.close());

  const open = (path: string) => agent.request(`${server.issuer}${path}`);
  const post = (path: string, form: Record<string, string> = {}) => agent.request(`${server.issuer}${path}`, { form: { csrf: UserAgent.field(page, 'csrf'), ...form } });
  const listed = (shown: Page) => [...shown.body.matchAll(/<td><a href="\/admin\/accounts\/[^"]+">([^<]+)<\/a><\/td>/g)].map((match) => match[1]).sort();

  describe('search', () => {
    beforeAll(async () => {
      const { accounts, attributes } = server.container;
      const dana = await accounts.createAccount({ email: 'dana.lopez@example.com', name: 'Dana Lopez' });
      await attributes.setValues(dana.id, { department: 'Sales' }, 'admin');
      await accounts.createAccount({ email: 'lopezfan@example.com', name: 'Sam Fan' });
      for (let index = 0; index < 27; index += 1) await accounts.createAccount({ email: `bulk${String(index).padStart(2, '0')}@example.com`, name: `Bulk Person ${index}` });
    });

    it('finds by the start of an email, by words of a name, by id and by attribute', async () => {
      expect(listed(await open('/admin/accounts?q=dana'))).toEqual(['dana.lopez@example.com']);
      expect(listed(await open('/admin/accounts?q=lopez'))).toEqual(['dana.lopez@example.com', 'lopezfan@example.com']);
      expect(listed(await open('/admin/accounts?q=sam+f'))).toEqual(['lopezfan@example.com']);
      expect(listed(await open('/admin/accounts?q=attr%3Adepartment%3Dsales'))).toEqual(['dana.lopez@example.com']);
      const dana = await server.container.accounts.findByEmail('dana.lopez@example.com');
      expect(listed(await open(`/admin/accounts?q=${dana!.id}`))).toEqual(['dana.lopez@example.com']);
    });

    it('keeps the search on the next page', async () => {
      const first = await open('/admin/accounts?q=bulk');
      expect(listed(first)).toHaveLength(25);
      const next = /href="([^"]+)" rel="next"/.exec(first.body)![1].replaceAll('&amp;', '&');
      expect(next).toContain('q=bulk');
      const second = await open(next);
      expect(listed(second)).toEqual(['bulk25@example.com', 'bulk26@example.com']);
      expect(second.body).toContain('First page');
    });

    it('says what to do when nothing matches, and puts a bad attribute search next to the field', async () => {
      const none = await open('/admin/accounts?q=nobody-here');
      expect(none.status).toBe(200);
      expect(none.body).toContain('No account matches');
      const unknown = await open('/admin/accounts?q=attr%3Ashoe_size%3D42');
      expect(unknown.status).toBe(400);
      expect(unknown.body).toContain('id="q-error"');
      expect(unknown.body).toContain('attr:department=sales');
      const malformed = await open('/admin/accounts?q=attr%3Adepartment');
      expect(malformed.status).toBe(400);
      const forged = await open('/admin/accounts?q=bulk&cursor=forged');
      expect(forged.url).toBe(`${server.issuer}/admin/accounts?q=bulk`);
    });
  });
});
