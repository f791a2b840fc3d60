import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { appRouters } from '../../../src/app.js';
import { signInToAccount, startAccountServer, type AccountTestServer } from '../../support/accounts.js';
import { registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'the quiet river runs deep';
const REFUSAL = 'This form has expired or was not sent from this site.';
/** The bearer-token APIs take no cookies, so CSRF does not apply to them. */
// APIs take bearer tokens, never cookies, so a forged form cannot ride on a session there.
const isApi = (path: string) => path.startsWith('/admin/api') || path.startsWith('/api/authz') || path.toLowerCase().startsWith('/scim/v2');

/**
 * Redis keys a refused request may change, each for a reason that is not the form's effect:
 */
const REDIS_UNTOUCHED_EXCEPT: RegExp[] = [];

/**
 * Issue 24: every hosted form route refuses a POST whose CSRF token is missing, forged, or sent
 * without its cookie, and changes nothing. The routes are enumerated from the routers, so a new
 * form route without requireCsrf() fails here. The requests come from a signed-in browser with a
 * live interaction, so a route that skipped the check would act on them.
 */
describe('CSRF: every form route refuses a missing or forged token and changes nothing', () => {
  let env: AccountTestServer;
  let web: RegisteredClient;
  let browser: UserAgent;
  let accountPage: Page;
  let forms: { method: string; path: string }[];
  const values: Record<string, string> = {};

  beforeAll(async () => {
    env = await startAccountServer();
    web = await registerClient(env.issuer, env.server.container);
    forms = appRouters(env.server.container).flatMap((router) =>
      router.stack.flatMap((layer) => (layer.methods.includes('POST') && !isApi(String(layer.path)) ? [{ method: 'POST', path: String(layer.path) }] : [])),
    );
    const account = await env.server.container.accounts.createAccount({ email: 'csrf@example.com', name: 'Csrf Person', password: PASSWORD, emailVerified: true });
    browser = new UserAgent('http://127.0.0.1:9/');
    accountPage = await signInToAccount(browser, env.issuer, { email: 'csrf@example.com', password: PASSWORD });
    expect(accountPage.url).toBe(`${env.issuer}/account`);
    // A live interaction of this browser (the consent step), for the /interaction/:uid forms.
    const consent = await browser.request((await startAuthorization(web, { prompt: 'consent' })).url.href);
    values.uid = /\/interaction\/([^/"?]+)/.exec(consent.url)![1];
    const [session] = await env.server.container.sessionIndex.listSessions(env.server.container.providers.current(), account.id);
    values.sessionUid = session.uid;
    values.slug = 'upstream';
    values.grantId = 'a-grant-id';
  });
  afterAll(() => env.close());

  /** Every row of every table: the refused requests must leave all of it as it was. */
  async function snapshot(): Promise<string> {
    const { db } = env.server.container;
    const tables: Array<{ table_name: string }> = await db('information_schema.tables').select('table_name').whereRaw('table_schema = current_schema()').andWhere('table_type', 'BASE TABLE').orderBy('table_name');
    const rows: string[] = [];
    for (const { table_name } of tables) {
      const result = await db.raw('select to_jsonb(t)::text as row from ?? t order by 1', [table_name]);
      rows.push(...(result.rows as Array<{ row: string }>).map((row) => `${table_name} ${row.row}`));
    }
    return rows.join('\n');
  }

  /**
   * Every key of this server's Redis (PostgreSQL + Redis mode), with its type, whether it expires, and
   * its value; the keys in REDIS_UNTOUCHED_EXCEPT are left out (each with the reason a refused request
   * may change it). TTLs count down by themselves, so only their presence is compared.
   */
  async function redisSnapshot(): Promise<string[]> {
    const testRedis = env.server.testRedis;
    if (!testRedis) return [];
    // SCAN ignores a client's key prefix: a client without one, matching the server's prefix.
    const plain = new Redis(process.env.REDIS_URL!);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await plain.scan(cursor, 'MATCH', `${testRedis.prefix}*`, 'COUNT', 500);
        keys.push(...found);
        cursor = next;
      } while (cursor !== '0');
      const lines: string[] = [];
      for (const key of keys.sort()) {
        const name = key.slice(testRedis.prefix.length);
        if (REDIS_UNTOUCHED_EXCEPT.some((pattern) => pattern.test(name))) continue;
        const type = await plain.type(key);
        const value =
          type === 'string' ? await plain.get(key)
          : type === 'hash' ? Object.entries(await plain.hgetall(key)).sort()
          : type === 'set' ? (await plain.smembers(key)).sort()
          : type === 'zset' ? await plain.zrange(key, '0', '-1', 'WITHSCORES')
          : type === 'list' ? await plain.lrange(key, 0, -1)
          : `(${type})`;
        lines.push(`${name} ${type} ${(await plain.pttl(key)) >= 0 ? 'expiring' : 'persistent'} ${JSON.stringify(value)}`);
      }
      return lines;
    } finally {
      plain.disconnect();
    }
  }

  const fill = (path: string) => path.replace(/:(\w+)/g, (_match, name: string) => (name === 'uid' && path.startsWith('/account/sessions') ? values.sessionUid : (values[name] ?? 'probe')));
  /** What each form would act on if it accepted the post: every field any of them reads. */
  const fields = { name: 'Mallory', email: 'mallory@example.com', password: 'mallory owns this now', current: PASSWORD, code: '123456', token: 'x', sign_out_others: 'yes' };
  /** Forms whose `password` is the account's own (re-entered to confirm): the real one, so a route without the check would act. */
  const confirmsPassword = new Set(['/account/delete']);

  it('enumerates the form routes named by the issue', () => {
    const paths = forms.map((form) => form.path);
    expect(paths).toEqual(expect.arrayContaining([
      '/interaction/:uid/login', '/interaction/:uid/confirm', '/interaction/:uid/deny', '/interaction/:uid/mfa', '/interaction/:uid/mfa/enroll',
      '/account/reset', '/account/email', '/account/email/confirm', '/account/sessions/:uid/revoke', '/account/applications/:grantId/revoke',
      '/interaction/:uid/federation/link', '/interaction/:uid/federation/:slug', '/account/delete',
      // The admin console (issue 16).
      '/admin/sign-out', '/admin/accounts/:accountId/disable', '/admin/accounts/:accountId/enable', '/admin/accounts/:accountId/unlock', '/admin/accounts/:accountId/end-sessions', '/admin/accounts/:accountId/sessions/:sessionUid/end',
      '/admin/clients/new', '/admin/clients/:clientId/edit', '/admin/clients/:clientId/rotate-secret', '/admin/clients/:clientId/delete',
      // The console's access-control sections (issue 16).
      '/admin/resources/new', '/admin/resources/:resourceId/edit', '/admin/resources/:resourceId/add-permission', '/admin/resources/:resourceId/delete',
      '/admin/resources/:resourceId/permissions/:permissionId/edit', '/admin/resources/:resourceId/permissions/:permissionId/remove',
      '/admin/roles/new', '/admin/roles/:roleId/edit', '/admin/roles/:roleId/add-permission', '/admin/roles/:roleId/remove-permission', '/admin/roles/:roleId/delete',
      '/admin/groups/new', '/admin/groups/:groupId/edit', '/admin/groups/:groupId/add-member', '/admin/groups/:groupId/add-group', '/admin/groups/:groupId/remove-member',
      '/admin/groups/:groupId/add-role', '/admin/groups/:groupId/remove-role', '/admin/groups/:groupId/delete',
      '/admin/object-grants/new', '/admin/object-grants/:grantId/delete',
      '/admin/connections/new', '/admin/connections/:connectionId/edit', '/admin/connections/:connectionId/delete',
      '/admin/attributes/new', '/admin/attributes/:attributeName/edit', '/admin/attributes/:attributeName/deprecate', '/admin/attributes/:attributeName/remove',
      '/admin/scopes/new', '/admin/scopes/:scopeName/edit', '/admin/scopes/:scopeName/remove',
      '/admin/webhooks/new', '/admin/webhooks/:webhookId/redeliver', '/admin/webhooks/:webhookId/delete', '/admin/keys/rotate',
    ]));
    expect(forms.length).toBeGreaterThanOrEqual(29);
  });

  it('refuses each with 403 when the token is missing, forged, or sent without its cookie', async () => {
    const before = await snapshot();
    const redisBefore = await redisSnapshot();
    // Not a vacuous comparison: with Redis, the browser's session and interaction are there.
    if (env.server.testRedis) expect(redisBefore.join('\n')).toMatch(/\{oidc:Session\}[\s\S]*\{oidc:Interaction\}|\{oidc:Interaction\}[\s\S]*\{oidc:Session\}/);
    const realToken = UserAgent.field(accountPage, 'csrf');
    const stranger = new UserAgent('http://127.0.0.1:9/');
    const wrong: Array<{ route: string; how: string; status: number; url: string; body: string }> = [];
    let checked = 0;
    for (const form of forms) {
      const url = `${env.issuer}${fill(form.path)}`;
      const base = confirmsPassword.has(form.path) ? { ...fields, password: PASSWORD } : fields;
      for (const [how, agent, body] of [
        ['missing', browser, base],
        ['forged', browser, { ...base, csrf: `${realToken.slice(0, -2)}xx` }],
        ['empty', browser, { ...base, csrf: '' }],
        ['no cookie', stranger, { ...base, csrf: realToken }],
      ] as const) {
        const page = await agent.request(url, { form: body as Record<string, string> });
        checked += 1;
        if (page.status !== 403 || !page.body.includes(REFUSAL)) wrong.push({ route: form.path, how, status: page.status, url: page.url, body: page.body.slice(0, 200) });
      }
    }
    expect(checked).toBe(forms.length * 4);
    expect(wrong).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect(await redisSnapshot()).toEqual(redisBefore);
    // The browser is still signed in with its session and interaction untouched.
    expect((await browser.request(`${env.issuer}/account`)).url).toBe(`${env.issuer}/account`);
  });

  it("the logout confirmation refuses a missing or forged xsrf field, and the session stays", async () => {
    const agent = new UserAgent('http://127.0.0.1:9/');
    await env.server.container.accounts.createAccount({ email: 'csrf-logout@example.com', password: PASSWORD, emailVerified: true });
    expect((await signInToAccount(agent, env.issuer, { email: 'csrf-logout@example.com', password: PASSWORD })).url).toBe(`${env.issuer}/account`);
    const confirm = await agent.request(`${env.issuer}/session/end`);
    const xsrf = UserAgent.field(confirm, 'xsrf');
    const action = UserAgent.action(confirm, '/session/end/confirm');
    for (const form of [{ logout: 'yes' }, { logout: 'yes', xsrf: `${xsrf.slice(0, -2)}xx` }] as Record<string, string>[]) {
      const refused = await agent.request(action, { form });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('xsrf token invalid');
      expect((await agent.request(`${env.issuer}/account`)).url).toBe(`${env.issuer}/account`);
    }
    // The real field signs out: the refusals above were about the token, not the form.
    await agent.request(action, { form: { logout: 'yes', xsrf } });
    expect((await agent.request(`${env.issuer}/account`)).url).toContain('/interaction/');
  });

  it('the device code form (oidc-provider\'s xsrf field, not a route of ours) refuses a missing or forged field and confirms nothing', async () => {
    const { client } = await env.server.container.clients.createClient({ name: 'CSRF TV', type: 'device', redirectUris: [], postLogoutRedirectUris: [] });
    const tv = await oidc.discovery(new URL(env.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const started = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
    const agent = new UserAgent('http://127.0.0.1:9/');
    const page = await agent.request(`${env.issuer}/device`);
    const xsrf = UserAgent.field(page, 'xsrf');
    const stranger = new UserAgent('http://127.0.0.1:9/');
    for (const [who, form] of [
      [agent, { user_code: started.user_code, confirm: 'yes' }],
      [agent, { user_code: started.user_code, confirm: 'yes', xsrf: `${xsrf.slice(0, -2)}xx` }],
      [agent, { user_code: started.user_code, abort: 'yes', xsrf: '' }],
      [stranger, { user_code: started.user_code, abort: 'yes', xsrf }],
    ] as const) {
      const refused = await who.request(`${env.issuer}/device`, { form: form as Record<string, string> });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('This form has expired or was not sent from this site');
    }
    // Neither confirmed (in flight) nor cancelled: the device is still waiting.
    const code = await env.server.container.providers.current().DeviceCode.find(started.device_code);
    expect(code).toMatchObject({ clientId: client.client_id });
    expect(code!.inFlight).toBeFalsy();
    expect(code!.error).toBeUndefined();
    // The real field works: the refusals above were about the token, not the form (each refusal gave the session a new one).
    const fresh = UserAgent.field(await agent.request(`${env.issuer}/device`), 'xsrf');
    const confirm = await agent.request(`${env.issuer}/device`, { form: { user_code: started.user_code, xsrf: fresh } });
    expect(confirm.body).toContain('CSRF TV');
  });
});
