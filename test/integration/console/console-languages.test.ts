import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { flatten } from '../../../src/i18n/catalog-files.js';
import { BUILT_IN_LOCALES_DIRECTORY } from '../../../src/i18n/catalogs.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const catalog = (tag: string) => flatten(`${tag}.json`, JSON.parse(readFileSync(join(BUILT_IN_LOCALES_DIRECTORY, `${tag}.json`), 'utf8')));
const langOf = (page: Page) => /<html lang="([^"]+)" dir="([^"]+)">/.exec(page.body)?.slice(1);
const heading = (page: Page) => /<h1 id="page-title">([^<]*)</.exec(page.body)?.[1];
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * Issue 16 with issue 20: the console speaks the operator's language, chosen as on the hosted pages
 * (saved choice, the switch's cookie, Accept-Language, DEFAULT_LOCALE), right to left for Arabic, with
 * the notice after a change taken from the catalogs and never from the link.
 */
describe('admin console: languages', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let operator: Operator;
  const de = catalog('de');

  beforeAll(async () => {
    server = await startTestServer({ clock });
    operator = await createOperator(server, clock, 'ops@example.com', ['admin:read', 'admin:write']);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('follows Accept-Language, and Arabic pages run right to left with the rtl stylesheet', async () => {
    const { agent } = await signInToConsole(server, operator, clock);
    const german = await agent.request(`${server.issuer}/admin/events`, { headers: { 'accept-language': 'de-AT,de;q=0.9' } });
    expect(langOf(german)).toEqual(['de', 'ltr']);
    expect(heading(german)).toBe(escaped(de['console.events.title'] ?? 'missing'));
    expect(german.body).toContain(`>${escaped(de['console.nav.overview']!)}</a>`);
    const arabic = await agent.request(`${server.issuer}/admin`, { headers: { 'accept-language': 'ar' } });
    expect(langOf(arabic)).toEqual(['ar', 'rtl']);
    expect(arabic.body).toContain('/assets/rtl.css');
    expect(heading(arabic)).toBe(escaped(catalog('ar')['console.overview.title']!));
    const english = await agent.request(`${server.issuer}/admin`);
    expect(langOf(english)).toEqual(['en', 'ltr']);
    expect(english.body).not.toContain('/assets/rtl.css');
  });

  it('switches language with the console page\'s token and comes back to the console page; a forged switch is refused', async () => {
    const { agent, page } = await signInToConsole(server, operator, clock, '/admin/events');
    expect(page.body).toContain('action="/account/language"');
    expect(UserAgent.field(page, 'return_to')).toBe('/admin/events');
    const switched = await agent.request(`${server.issuer}/account/language`, { form: { csrf: UserAgent.field(page, 'csrf'), locale: 'fr', return_to: '/admin/events' } });
    expect(switched.url).toBe(`${server.issuer}/admin/events`);
    expect(langOf(switched)).toEqual(['fr', 'ltr']);
    expect(heading(switched)).toBe(escaped(catalog('fr')['console.events.title'] ?? 'missing'));
    const forged = await agent.request(`${server.issuer}/account/language`, { form: { csrf: 'forged', locale: 'ja', return_to: '/admin/events' } });
    expect(forged.status).toBe(403);
    expect(langOf(await agent.request(`${server.issuer}/admin/events`))).toEqual(['fr', 'ltr']);
  });

  it('uses the language the operator saved on their account, over the cookie and Accept-Language', async () => {
    await server.container.db('accounts').where({ id: operator.id }).update({ locale: 'ja' });
    try {
      const { agent } = await signInToConsole(server, operator, clock);
      await agent.jar.setCookie('idp.locale=es', server.issuer);
      const page = await agent.request(`${server.issuer}/admin`, { headers: { 'accept-language': 'de' } });
      expect(langOf(page)).toEqual(['ja', 'ltr']);
      expect(heading(page)).toBe(escaped(catalog('ja')['console.overview.title']!));
      // An address the console does not have: its 404 page, in the saved language too.
      const missing = await agent.request(`${server.issuer}/admin/no-such-page`, { headers: { 'accept-language': 'de' } });
      expect([missing.status, langOf(missing)]).toEqual([404, ['ja', 'ltr']]);
      expect(missing.body).toContain(escaped(catalog('ja')['error.NOT_FOUND']!));
    } finally {
      await server.container.db('accounts').where({ id: operator.id }).update({ locale: null });
    }
  });

  it('shows a notice after a change in the page\'s language, and nothing for a notice name it does not know', async () => {
    const { agent } = await signInToConsole(server, operator, clock);
    const german = await agent.request(`${server.issuer}/admin/events?done=role-deleted`, { headers: { 'accept-language': 'de' } });
    expect(german.body).toContain(`<p class="notice" role="status">${escaped(de['console.notice.role-deleted']!)}</p>`);
    for (const done of ['console.refused.title', 'Your account was hacked, call 555-0100', 'toString', '__proto__']) {
      const page = await agent.request(`${server.issuer}/admin/events?done=${encodeURIComponent(done)}`);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('class="notice"');
    }
  });
});
