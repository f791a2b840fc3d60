import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SECRET_SETTINGS } from '../../../src/config/settings.js';
import { adminWith } from '../../support/admin.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const SMTP_PASSWORD = 'smtp-password-that-must-not-show';
const ADMIN_PASSWORD = 'admin-password-that-must-not-show';

/** Issue 16, signing keys and settings: rotation by the operator, and the configuration with every secret masked. */
describe('admin console: signing keys and settings', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let writer: Operator;
  let reader: Operator;
  let agent: UserAgent;
  let page: Page;

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { ADMIN_EMAIL: 'first-admin@example.com', ADMIN_PASSWORD, SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:2525` } });
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
    reader = await createOperator(server, clock, 'reader@example.com', ['admin:read']);
    ({ agent, page } = await signInToConsole(server, writer, clock, '/admin/keys'));
  });
  afterAll(() => server.close());

  const post = (path: string, form: Record<string, string>) => agent.request(`${server.issuer}${path}`, { form: { csrf: UserAgent.field(page, 'csrf'), ...form } });
  const activeKids = async () => (await server.container.keys.listSigningKeys()).filter((key) => key.status === 'active').map((key) => key.kid).sort();

  it('lists the published keys with their age and never a private part', async () => {
    expect(page.status).toBe(200);
    for (const kid of await activeKids()) expect(page.body).toContain(kid);
    expect(page.body).toContain('0 days');
    const sealed = (await server.container.db('signing_keys').select('private_jwk_sealed')).map((row: { private_jwk_sealed: string }) => row.private_jwk_sealed);
    for (const value of sealed) expect(page.body).not.toContain(value);
  });

  it('rotates the keys after a confirmation page, with the operator as actor; the old keys only verify', async () => {
    const before = await activeKids();
    const confirm = await agent.request(`${server.issuer}/admin/keys/rotate`);
    expect(confirm.body).toContain('Rotate the signing keys?');
    const rotated = await post('/admin/keys/rotate', {});
    expect(rotated.url).toBe(`${server.issuer}/admin/keys?done=keys-rotated`);
    const after = await activeKids();
    expect(after).toHaveLength(2);
    expect(after.some((kid) => before.includes(kid))).toBe(false);
    for (const kid of before) expect(rotated.body).toContain(kid);
    expect(rotated.body).toContain('retired');
    const [event] = (await server.container.events.list({ types: ['keys.rotated'] }, { limit: 1, order: 'desc' })).items;
    expect(event).toMatchObject({ actor_type: 'account', actor_id: writer.id });
    // The console's own token, signed before the rotation, still verifies.
    expect((await agent.request(`${server.issuer}/admin/keys`)).status).toBe(200);
  });

  it('refuses a rotation without admin:write, and without the CSRF token', async () => {
    const before = await activeKids();
    const { agent: readOnly, page: readPage } = await signInToConsole(server, reader, clock, '/admin/keys');
    expect(readPage.body).not.toContain('href="/admin/keys/rotate"');
    expect((await readOnly.request(`${server.issuer}/admin/keys/rotate`, { form: { csrf: UserAgent.field(readPage, 'csrf') } })).status).toBe(403);
    expect((await agent.request(`${server.issuer}/admin/keys/rotate`, { form: { csrf: 'forged' } })).status).toBe(403);
    expect(await activeKids()).toEqual(before);
  });

  it('shows the effective settings, with no secret value in the page or the admin API answer', async () => {
    const settings = await agent.request(`${server.issuer}/admin/settings`);
    expect(settings.status).toBe(200);
    expect(settings.body).toContain('<code>ISSUER</code>');
    expect(settings.body).toContain(`<code>${server.issuer}</code>`);
    expect(settings.body).toContain('smtp://[masked]@127.0.0.1:2525');
    const answer = (await (await adminWith(server, ['admin:read'])).call('GET', '/admin/api/v1/settings')).body as { settings: Record<string, unknown> };
    // Every named secret is set in this server, and every one is masked.
    for (const name of SECRET_SETTINGS) expect(answer.settings[name]).toBe('[masked]');
    expect(answer.settings.SMTP_URL).toBe('smtp://[masked]@127.0.0.1:2525');
    const api = JSON.stringify(answer);
    const secrets = [
      ...server.container.config.serverSecrets,
      SMTP_PASSWORD,
      ADMIN_PASSWORD,
      server.container.cookieKey,
      ...(server.container.config.database.url ? [new URL(server.container.config.database.url).password].filter(Boolean) : []),
    ];
    for (const secret of secrets) {
      expect(settings.body).not.toContain(secret);
      expect(api).not.toContain(secret);
    }
  });
});
