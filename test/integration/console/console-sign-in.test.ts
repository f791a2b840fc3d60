import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_CONSOLE_CLIENT_ID } from '../../../src/clients/admin-console.js';
import { completeSignIn, createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { isEnrollment } from '../../support/mfa.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

/**
 * Issue 16, step 1: the admin console signs operators in as a relying party of this server and lets
 * them in only on the admin API's own delegation rule (admin:read to look, admin:write to change,
 * multi-factor, recent for changes).
 */
describe('admin console sign-in', () => {
  const clock = new ManualClock(Date.now());
  const RECENT = 300;
  let server: TestServer;
  let writer: Operator;
  let reader: Operator;
  let nobody: Operator;

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { CONSOLE_RECENT_SIGN_IN_SECONDS: String(RECENT) } });
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
    reader = await createOperator(server, clock, 'reader@example.com', ['admin:read']);
    nobody = await createOperator(server, clock, 'nobody@example.com', []);
  });
  afterAll(() => server.close());

  it('registers its own first-party client, named for delegation and requiring MFA', async () => {
    expect(await server.container.clients.findClient(ADMIN_CONSOLE_CLIENT_ID)).toMatchObject({
      first_party: true, system_api_delegation: true, require_mfa: true, secret_hash: null,
      metadata: expect.objectContaining({ redirect_uris: [`${server.issuer}/admin/callback`] }),
    });
  });

  it('sends a visitor through the hosted login with PKCE, acr_values and the admin scopes, and back', async () => {
    const authorization = new URL(server.container.providers.current().urlFor('authorization'));
    const agent = new UserAgent(authorization.href);
    const stopped = new URL((await agent.request(`${server.issuer}/admin/accounts?q=x`)).url);
    expect(Object.fromEntries(stopped.searchParams)).toMatchObject({
      client_id: ADMIN_CONSOLE_CLIENT_ID, response_type: 'code', redirect_uri: `${server.issuer}/admin/callback`,
      scope: 'openid email admin:read admin:write', resource: server.container.systemApis.admin.identifier,
      code_challenge_method: 'S256', code_challenge: expect.any(String), state: expect.any(String), nonce: expect.any(String),
      acr_values: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
    });
    expect(stopped.searchParams.has('prompt')).toBe(false);
  });

  it('lets an operator with admin:read and admin:write in after password, second factor and consent', async () => {
    const { agent, page } = await signInToConsole(server, writer, clock, '/admin/accounts');
    expect(page).toMatchObject({ status: 200, url: `${server.issuer}/admin/accounts` });
    expect(page.body).toContain('writer@example.com');
    const overview = await agent.request(`${server.issuer}/admin`);
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('Sign-ins in the last 24 hours');
    // The console keeps its own cookie: path /admin, HttpOnly, SameSite, and no token in the clear.
    const cookies = await agent.jar.getCookies(`${server.issuer}/admin`);
    const session = cookies.find((cookie) => cookie.key === 'idp.console')!;
    expect(session).toMatchObject({ path: '/admin', httpOnly: true, sameSite: 'lax' });
    expect(session.value.split('.')).toHaveLength(5);
    expect((await agent.jar.getCookies(`${server.issuer}/account`)).map((cookie) => cookie.key)).not.toContain('idp.console');
  });

  it('refuses a person without admin:read with a 403 page', async () => {
    const { page } = await signInToConsole(server, nobody, clock);
    expect(page.status).toBe(403);
    expect(page.body).toContain('admin:read');
  });

  it('lets a reader look but not change (403), and the account stays as it was', async () => {
    const { agent, page } = await signInToConsole(server, reader, clock, `/admin/accounts/${nobody.id}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('Disable account');
    const refused = await agent.request(`${server.issuer}/admin/accounts/${nobody.id}/disable`, { form: { csrf: UserAgent.field(page, 'csrf') } });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('admin:write');
    expect((await server.container.accounts.findById(nobody.id))!.status).toBe('active');
  });

  it('sends an operator without a second factor to set one up before anything else', async () => {
    const bare = await createOperator(server, clock, 'bare@example.com', ['admin:read', 'admin:write'], { mfa: false });
    const { page } = await signInToConsole(server, bare, clock);
    expect(isEnrollment(page)).toBe(true);
  });

  it('asks again for the password and second factor when the sign-in is older than the window', async () => {
    const { agent, page } = await signInToConsole(server, writer, clock, `/admin/accounts/${nobody.id}/disable`);
    expect(page.body).toContain('Disable this account?');
    clock.advance(RECENT + 60);
    const action = `${server.issuer}/admin/accounts/${nobody.id}/disable`;
    const again = await agent.request(action, { form: { csrf: UserAgent.field(page, 'csrf') } });
    // Back at the login page (prompt=login), not changed.
    expect(again.body).toContain('name="password"');
    expect((await server.container.accounts.findById(nobody.id))!.status).toBe('active');
    const back = await completeSignIn(agent, again, writer, clock);
    expect(back.url).toBe(`${server.issuer}/admin/accounts/${nobody.id}`);
    const done = await agent.request(action, { form: { csrf: UserAgent.field(back, 'csrf') } });
    expect(done).toMatchObject({ status: 200, url: `${server.issuer}/admin/accounts/${nobody.id}?done=disabled` });
    expect((await server.container.accounts.findById(nobody.id))!.status).toBe('disabled');
    // The change is the admin API's, with the operator as the actor.
    const events = await server.container.events.list({ types: ['account.disabled'] }, { limit: 5, order: 'desc' });
    expect(events.items[0]).toMatchObject({ actor_type: 'account', actor_id: writer.id, account_id: nobody.id });
  });
});
