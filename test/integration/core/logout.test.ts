import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { exchangeCode, POST_LOGOUT_URI, REDIRECT_URI, registerClient, signIn, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

describe('RP-initiated logout', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount(alice);
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  async function confirmLogout(agent: UserAgent, url: URL) {
    const confirmation = await agent.request(url.href);
    expect(confirmation.status).toBe(200);
    expect(confirmation.body).toContain('Sign out?');
    return agent.request(UserAgent.action(confirmation, '/session/end/confirm'), {
      form: { xsrf: UserAgent.field(confirmation, 'xsrf'), logout: 'yes' },
    });
  }

  it('asks for confirmation, ends the session and returns to the registered post-logout URI', async () => {
    const { start, callback, agent } = await signIn(web, alice);
    const tokens = await exchangeCode(web, start, callback.url);
    // Other tests sign out too: this one counts the events its own sign-out adds.
    const logoutsBefore = (await server.container.db('events').where({ type: 'logout' })).length;
    const logoutAgent = new UserAgent(POST_LOGOUT_URI);
    for (const cookie of await agent.jar.getCookies(server.issuer)) await logoutAgent.jar.setCookie(cookie, server.issuer);
    const done = await confirmLogout(
      logoutAgent,
      oidc.buildEndSessionUrl(web.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' }),
    );
    expect(done.url).toBe(`${POST_LOGOUT_URI}?state=bye`);
    // The session is gone: a silent request now needs a login.
    const silent = await startAuthorization(web, { prompt: 'none' });
    for (const cookie of await logoutAgent.jar.getCookies(server.issuer)) await agent.jar.setCookie(cookie, server.issuer);
    const answer = await agent.request(silent.url.href);
    expect(new URL(answer.url).searchParams.get('error')).toBe('login_required');
    expect(await server.container.db('events').where({ type: 'logout' })).toHaveLength(logoutsBefore + 1);
  });

  it('shows the signed-out page when no post-logout URI is given', async () => {
    const { agent } = await signIn(web, alice);
    const done = await confirmLogout(agent, new URL(`${server.issuer}/session/end?client_id=${web.clientId}`));
    expect(done.status).toBe(200);
    expect(done.body).toContain('You are signed out');
  });

  it('refuses a post-logout URI that is not registered', async () => {
    const { start, callback } = await signIn(web, alice);
    const tokens = await exchangeCode(web, start, callback.url);
    const page = await new UserAgent().request(
      oidc.buildEndSessionUrl(web.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/' }).href,
    );
    expect(page.status).toBe(400);
    expect(page.body).not.toContain('evil.example/"');
  });

  it('keeps a session across authorizations: prompt=none succeeds while signed in', async () => {
    const { agent } = await signIn(web, alice);
    const silent = await startAuthorization(web, { prompt: 'none' });
    const answer = await agent.request(silent.url.href);
    expect(answer.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(new URL(answer.url).searchParams.get('code')).toBeTruthy();
  });
});
