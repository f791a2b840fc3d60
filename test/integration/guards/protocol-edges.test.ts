import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { mailLink, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'the quiet river runs deep';

/** Issue 24: protocol edges that nothing else covered. Each test makes what it needs. */
describe('protocol edges', () => {
  let env: AccountTestServer;

  beforeAll(async () => {
    env = await startAccountServer();
  });
  afterAll(() => env.close());

  const person = (email: string) => env.server.container.accounts.createAccount({ email, password: PASSWORD, emailVerified: true }).then(() => ({ email, password: PASSWORD }));

  it("a public client's introspection is always inactive, even of its own live tokens (RFC 7662 §2.1)", async () => {
    const spa = await registerClient(env.issuer, env.server.container, { type: 'spa' });
    const { start, callback } = await signIn(spa, await person('spa@example.com'));
    const tokens = await exchangeCode(spa, start, callback.url);
    for (const token of [tokens.access_token, tokens.refresh_token!]) {
      expect(await oidc.tokenIntrospection(spa.config, token)).toEqual({ active: false });
    }
    // The tokens are live: the refresh token still works for the app itself.
    expect((await oidc.refreshTokenGrant(spa.config, tokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('a missing redirect_uri or an unknown client_id shows the error page, never a redirect', async () => {
    const web = await registerClient(env.issuer, env.server.container);
    const base = { response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
    for (const params of [
      { ...base, client_id: web.clientId },
      { ...base, client_id: 'no-such-client', redirect_uri: 'https://attacker.example/cb' },
      { ...base, client_id: web.clientId, redirect_uri: 'https://attacker.example/cb' },
    ]) {
      const response = await fetch(`${env.issuer}/auth?${new URLSearchParams(params)}`, { redirect: 'manual', headers: { accept: 'text/html' } });
      const body = await response.text();
      expect({ params, status: response.status, location: response.headers.get('location') }).toEqual({ params, status: 400, location: null });
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(body).toContain('This sign-in request cannot continue');
    }
  });

  it('a native client may use any port of its loopback redirect URI (RFC 8252 §7.3), and nothing else', async () => {
    const native = await registerClient(env.issuer, env.server.container, { type: 'native', redirectUris: ['http://127.0.0.1/callback'] });
    const credentials = await person('native@example.com');
    for (const port of [50123, 61999]) {
      const redirect = `http://127.0.0.1:${port}/callback`;
      const { callback } = await signIn(native, credentials, { redirect_uri: redirect }, new UserAgent(redirect));
      expect(callback.url.startsWith(`${redirect}?`)).toBe(true);
      expect(new URL(callback.url).searchParams.get('code')).toEqual(expect.any(String));
    }
    for (const wrong of ['http://127.0.0.1:50123/other', 'http://evil.example:50123/callback']) {
      const response = await fetch(`${env.issuer}/auth?${new URLSearchParams({ client_id: native.clientId, response_type: 'code', scope: 'openid', redirect_uri: wrong, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`, { redirect: 'manual' });
      expect({ wrong, status: response.status }).toEqual({ wrong, status: 400 });
    }
  });

  it('two concurrent posts of one mailed reset link: exactly one wins', async () => {
    const { email } = await person('race-link@example.com');
    const requester = new UserAgent();
    await submit(requester, await requester.request(`${env.issuer}/account/forgot`), '/account/forgot', { email });
    const { link } = await mailLink(env.smtp, email, `${env.issuer}/account/reset?token=`);
    const [first, second] = [new UserAgent(), new UserAgent()];
    const [firstForm, secondForm] = [await first.request(link), await second.request(link)];
    const candidates = ['first tab new password here', 'second tab new password here'];
    const answers = await Promise.all([submit(first, firstForm, '/account/reset', { password: candidates[0] }), submit(second, secondForm, '/account/reset', { password: candidates[1] })]);
    const won = answers.map((answer) => answer.url === `${env.issuer}/account/reset/done`);
    expect(won.filter(Boolean)).toHaveLength(1);
    const loser = answers[won.indexOf(false)];
    expect(loser.status).toBe(400);
    const winner = candidates[won.indexOf(true)];
    expect((await env.server.container.accounts.authenticate(email, winner)).ok).toBe(true);
    expect((await env.server.container.accounts.authenticate(email, candidates[won.indexOf(false)])).ok).toBe(false);
  });
});
