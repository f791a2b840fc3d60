import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { exchangeCode, REDIRECT_URI, registerClient, signIn, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

describe('authorization code flow with PKCE', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount({ ...alice, name: 'Alice Example', emailVerified: true });
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  it('signs in, asks consent, and issues ID, access and refresh tokens', async () => {
    const { start, callback } = await signIn(web, alice);
    const callbackUrl = new URL(callback.url);
    expect(callbackUrl.searchParams.get('iss')).toBe(server.issuer);
    const tokens = await exchangeCode(web, start, callback.url);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(server.issuer);
    expect(claims.email).toBeUndefined(); // conformIdTokenClaims: scope claims come from userinfo
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const userinfo = await oidc.fetchUserInfo(web.config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, email: alice.email, email_verified: true, name: 'Alice Example' });
  });

  it('rejects an unregistered redirect_uri on an error page that does not redirect', async () => {
    const start = await startAuthorization(web, { redirect_uri: 'http://127.0.0.1:9/elsewhere' });
    const page = await new UserAgent().request(start.url.href);
    expect(page.status).toBe(400);
    expect(page.url).toBe(start.url.href);
    expect(page.body).toContain('redirect_uri');
    expect(page.body).not.toContain('elsewhere"');
  });

  it('rejects a redirect_uri that only shares a prefix with the registered one', async () => {
    const start = await startAuthorization(web, { redirect_uri: `${REDIRECT_URI}/../callback2` });
    const page = await new UserAgent().request(start.url.href);
    expect(page.status).toBe(400);
  });

  it('refuses an authorization request without PKCE, and one using plain PKCE', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(web);
    const withoutPkce = new URL(start.url);
    withoutPkce.searchParams.delete('code_challenge');
    withoutPkce.searchParams.delete('code_challenge_method');
    const missing = await agent.request(withoutPkce.href);
    expect(new URL(missing.url).searchParams.get('error')).toBe('invalid_request');
    const plain = new URL(start.url);
    plain.searchParams.set('code_challenge_method', 'plain');
    const refused = await agent.request(plain.href);
    expect(new URL(refused.url).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses the implicit flow', async () => {
    const start = await startAuthorization(web, { response_type: 'id_token token' });
    const page = await new UserAgent(REDIRECT_URI).request(start.url.href);
    const params = new URLSearchParams(new URL(page.url).hash.slice(1) || new URL(page.url).search);
    expect(params.get('error')).toBe('unsupported_response_type');
  });

  it('refuses a wrong or missing PKCE verifier at the token endpoint', async () => {
    const { start, callback } = await signIn(web, alice);
    await expect(exchangeCode(web, { ...start, verifier: oidc.randomPKCECodeVerifier() }, callback.url)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const second = await signIn(web, alice);
    const code = new URL(second.callback.url).searchParams.get('code')!;
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('treats a replayed code as an attack: refused, and the tokens it issued are revoked', async () => {
    const { start, callback } = await signIn(web, alice);
    const tokens = await exchangeCode(web, start, callback.url);
    await expect(exchangeCode(web, start, callback.url)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspection = await oidc.tokenIntrospection(web.config, tokens.access_token);
    expect(introspection.active).toBe(false);
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const events = await server.container.db('events').where({ type: 'token.code_replay_detected' });
    expect(events.length).toBeGreaterThanOrEqual(1);
  });

  it('lets exactly one of two concurrent redemptions of a code succeed', async () => {
    const { start, callback } = await signIn(web, alice);
    const results = await Promise.allSettled([exchangeCode(web, start, callback.url), exchangeCode(web, start, callback.url)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a bad client secret', async () => {
    const { start, callback } = await signIn(web, alice);
    const impostor = await oidc.discovery(new URL(server.issuer), web.clientId, undefined, oidc.ClientSecretBasic('not-the-secret'), {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(
      oidc.authorizationCodeGrant(impostor, new URL(callback.url), { pkceCodeVerifier: start.verifier, expectedState: start.state }),
    ).rejects.toMatchObject({ status: 401, cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: 'invalid_client' }) })] });
  });

  it('gives the same answer for an unknown email and a wrong password, and logs the real reason', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(web);
    const loginPage = await agent.request(start.url.href);
    const unknown = await submitLogin(agent, loginPage, 'nobody@example.com', alice.password);
    const wrong = await submitLogin(agent, unknown, alice.email, 'not the password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const message = (page: { body: string }) => /role="alert"[^>]*>([^<]*)</.exec(page.body)?.[1];
    expect(message(unknown)).toBe(message(wrong));
    const reasons = (await server.container.db('events').where({ type: 'login.failed' })).map((event) => event.detail.reason);
    expect(reasons).toEqual(expect.arrayContaining(['unknown_account', 'wrong_password']));
  });

  it('refuses a disabled user with the same message, and stops their refresh tokens', async () => {
    const bob = { email: 'bob@example.com', password: 'another long password' };
    await server.container.accounts.createAccount(bob);
    const { start, callback } = await signIn(web, bob);
    const tokens = await exchangeCode(web, start, callback.url);
    await server.container.accounts.setStatusByEmail(bob.email, 'disabled');
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const agent = new UserAgent(REDIRECT_URI);
    const loginPage = await agent.request((await startAuthorization(web)).url.href);
    const refused = await submitLogin(agent, loginPage, bob.email, bob.password);
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('The email or password is not correct.');
  });

  it('refuses a login form without its CSRF token', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const loginPage = await agent.request((await startAuthorization(web)).url.href);
    const page = await agent.request(UserAgent.action(loginPage, '/login'), { form: { csrf: 'forged', ...alice } });
    expect(page.status).toBe(403);
    expect(page.body).toContain('This form has expired');
  });

  it('answers the login POST with a 303', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const loginPage = await agent.request((await startAuthorization(web)).url.href);
    const action = UserAgent.action(loginPage, '/login');
    const response = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: await agent.jar.getCookieString(action) },
      body: new URLSearchParams({ csrf: UserAgent.field(loginPage, 'csrf'), ...alice }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('/auth/');
  });

  it('gives the browser a new session id when it signs in again', async () => {
    const sessionCookie = async (agent: UserAgent) =>
      (await agent.jar.getCookies(server.issuer)).find((cookie) => cookie.key === '_session')?.value;
    const { agent } = await signIn(web, alice);
    const first = await sessionCookie(agent);
    expect(first).toBeDefined();
    await signIn(web, alice, { prompt: 'login' }, agent);
    const second = await sessionCookie(agent);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('skips the consent page for a first-party client', async () => {
    const firstParty = await registerClient(server.issuer, server.container, { firstParty: true });
    const { start, callback } = await signIn(firstParty, alice);
    expect(new URL(callback.url).searchParams.get('code')).toBeTruthy();
    const tokens = await exchangeCode(firstParty, start, callback.url);
    expect(tokens.access_token).toEqual(expect.any(String));
  });
});
