import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_CONSOLE_CLIENT_ID } from '../../../src/clients/admin-console.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

/** Issue 16: the console's Sign out also ends the SSO session, through RP-initiated logout. */
describe('admin console sign-out', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let writer: Operator;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
  });
  afterAll(() => server.close());

  it('registers ${ISSUER}/admin/signed-out as the console client’s only post-logout URI', async () => {
    expect(await server.container.clients.findClient(ADMIN_CONSOLE_CLIENT_ID)).toMatchObject({
      metadata: expect.objectContaining({ post_logout_redirect_uris: [`${server.issuer}/admin/signed-out`] }),
    });
  });

  it('without signing out, a new console visit is signed in silently by the SSO session (the control case)', async () => {
    const { agent } = await signInToConsole(server, writer, clock);
    await agent.jar.setCookie('idp.console=; Max-Age=0; Path=/admin', `${server.issuer}/admin`);
    // The console cookie is gone, the SSO session is not: no password is asked (only consent was remembered).
    const again = await agent.request(`${server.issuer}/admin`);
    expect(again.body).not.toContain('name="password"');
  });

  it('sends Sign out through /session/end with the id token hint, ends the SSO session, and the next visit needs a full login', async () => {
    const { agent, page } = await signInToConsole(server, writer, clock);
    // The sealed session now carries the id token too: still well inside a browser's 4096-byte cookie.
    const sealed = (await agent.jar.getCookies(`${server.issuer}/admin`)).find((cookie) => cookie.key === 'idp.console')!;
    expect(`${sealed.key}=${sealed.value}`.length).toBeLessThan(3500);
    const logoutsBefore = (await server.container.events.list({ types: ['logout'] }, { limit: 50, order: 'desc' })).items.length;
    const stopAt = new UserAgent(`${server.issuer}/session/end`);
    for (const cookie of await agent.jar.getCookies(`${server.issuer}/admin`)) await stopAt.jar.setCookie(cookie, `${server.issuer}/admin`);
    const redirected = new URL((await stopAt.request(`${server.issuer}/admin/sign-out`, { form: { csrf: UserAgent.field(page, 'csrf') } })).url);
    expect(redirected.pathname).toBe('/session/end');
    expect(redirected.searchParams.get('post_logout_redirect_uri')).toBe(`${server.issuer}/admin/signed-out`);
    expect(redirected.searchParams.get('id_token_hint')?.split('.')).toHaveLength(3);

    const confirmation = await agent.request(`${server.issuer}/admin/sign-out`, { form: { csrf: UserAgent.field(page, 'csrf') } });
    expect(confirmation.body).toContain('Sign out?');
    const done = await agent.request(UserAgent.action(confirmation, '/session/end/confirm'), { form: { xsrf: UserAgent.field(confirmation, 'xsrf'), logout: 'yes' } });
    expect(done.url).toBe(`${server.issuer}/admin/signed-out`);
    expect(done.body).toContain('Signed out of the console');
    expect((await server.container.events.list({ types: ['logout'] }, { limit: 50, order: 'desc' })).items.length).toBe(logoutsBefore + 1);

    // No console session and no SSO session: the console sends the browser to a login page that asks for the password.
    const next = await agent.request(`${server.issuer}/admin`);
    expect(next.body).toContain('name="password"');
  });

  it('refuses a sign-out without the CSRF token, and keeps both sessions', async () => {
    const { agent } = await signInToConsole(server, writer, clock);
    expect((await agent.request(`${server.issuer}/admin/sign-out`, { form: { csrf: 'forged' } })).status).toBe(403);
    expect((await agent.request(`${server.issuer}/admin`)).body).toContain('writer@example.com');
  });
});
