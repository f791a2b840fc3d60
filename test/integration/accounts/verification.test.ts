import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { comparable, createTestClock, followLink, mailLink, signUp, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { exchangeCode, registerClient, signIn, startAuthorization, submitConsent, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'seven green bottles on a wall';

describe('email verification links', () => {
  const clock = createTestClock();
  let env: AccountTestServer;

  beforeAll(async () => {
    env = await startAccountServer({ clock });
  });
  afterAll(() => env.close());

  const verifyPrefix = () => `${env.issuer}/account/verify?token=`;
  const verified = async (email: string) => (await env.server.container.accounts.findByEmail(email))?.email_verified;
  const resend = async (email: string) => {
    const agent = new UserAgent();
    return submit(agent, await agent.request(`${env.issuer}/account/verify/resend`), '/account/verify/resend', { email });
  };

  it('expires after EMAIL_VERIFICATION_TTL (24 hours); a new link can be asked for', async () => {
    await signUp(new UserAgent(), env.issuer, { email: 'slow@example.com', name: 'Slow', password: PASSWORD });
    const { link } = await mailLink(env.smtp, 'slow@example.com', verifyPrefix());
    const agent = new UserAgent();
    const shown = await agent.request(link);
    expect(shown.status).toBe(200);
    clock.advance(24 * 3600 + 1);
    // The page was open before the expiry; the click after it is refused all the same.
    const late = await submit(agent, shown, '/account/verify');
    expect(late.status).toBe(400);
    expect(late.body).toContain('This link has expired');
    expect(late.body).toContain('href="/account/verify/resend"');
    expect(await verified('slow@example.com')).toBe(false);

    expect((await resend('slow@example.com')).url).toBe(`${env.issuer}/account/signup/sent`);
    const fresh = await mailLink(env.smtp, 'slow@example.com', verifyPrefix());
    expect((await followLink(new UserAgent(), fresh.link)).body).toContain('Your email address is verified');
    expect(await verified('slow@example.com')).toBe(true);
  });

  it('works once', async () => {
    await signUp(new UserAgent(), env.issuer, { email: 'once@example.com', name: 'Once', password: PASSWORD });
    const { link } = await mailLink(env.smtp, 'once@example.com', verifyPrefix());
    expect((await followLink(new UserAgent(), link)).status).toBe(200);
    const again = await followLink(new UserAgent(), link);
    expect(again.status).toBe(400);
    expect(again.body).toContain('This link has already been used');
  });

  it('works only for the newest link', async () => {
    await signUp(new UserAgent(), env.issuer, { email: 'newest@example.com', name: 'Newest', password: PASSWORD });
    const first = await mailLink(env.smtp, 'newest@example.com', verifyPrefix());
    await resend('newest@example.com');
    const second = await mailLink(env.smtp, 'newest@example.com', verifyPrefix());
    const replaced = await followLink(new UserAgent(), first.link);
    expect(replaced.status).toBe(400);
    expect(replaced.body).toContain('A newer link was sent');
    expect(await verified('newest@example.com')).toBe(false);
    expect((await followLink(new UserAgent(), second.link)).status).toBe(200);
    expect(await verified('newest@example.com')).toBe(true);
  });

  it('is bound to the exact address it was sent to', async () => {
    await signUp(new UserAgent(), env.issuer, { email: 'moving@example.com', name: 'Moving', password: PASSWORD });
    const { link } = await mailLink(env.smtp, 'moving@example.com', verifyPrefix());
    await env.server.container.db('accounts').where({ email: 'moving@example.com' }).update({ email: 'moved@example.com' });
    const page = await followLink(new UserAgent(), link);
    expect(page.status).toBe(400);
    expect(page.body).toContain('no longer the one on the account');
    expect(await verified('moved@example.com')).toBe(false);
  });

  it('sends nothing when asked again for a verified or unknown address, and says the same', async () => {
    await env.server.container.accounts.createAccount({ email: 'done@example.com', password: PASSWORD, emailVerified: true });
    const known = await resend('done@example.com');
    const unknown = await resend('ghost@example.com');
    expect(known.url).toBe(unknown.url);
    // The same page, not only the same address: status and content, the per-request CSRF token aside.
    expect(known.status).toBe(unknown.status);
    expect(comparable(known)).toBe(comparable(unknown));
    await env.flushMail();
    expect(env.smtp.pending('done@example.com')).toHaveLength(0);
    expect(env.smtp.pending('ghost@example.com')).toHaveLength(0);
  });
});

describe('clients that require a verified email', () => {
  let env: AccountTestServer;
  let strict: RegisteredClient;
  let relaxed: RegisteredClient;

  beforeAll(async () => {
    env = await startAccountServer();
    const { client, clientSecret } = await env.server.container.clients.createClient({
      name: 'Strict app',
      type: 'web',
      redirectUris: ['http://127.0.0.1:9/callback'],
      postLogoutRedirectUris: [],
      requireVerifiedEmail: true,
    });
    strict = { clientId: client.client_id, clientSecret, config: await rediscover(client.client_id, clientSecret!) };
    relaxed = await registerClient(env.issuer, env.server.container);
  });
  afterAll(() => env.close());

  const rediscover = (clientId: string, secret: string) => oidc.discovery(new URL(env.issuer), clientId, undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  const userinfo = (client: RegisteredClient, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers) =>
    oidc.fetchUserInfo(client.config, tokens.access_token, tokens.claims()!.sub);

  it('holds the sign-in until the address is verified, then completes it; email_verified tells the truth', async () => {
    await signUp(new UserAgent(), env.issuer, { email: 'fresh@example.com', name: 'Fresh', password: PASSWORD });
    const first = await mailLink(env.smtp, 'fresh@example.com', `${env.issuer}/account/verify?token=`);

    // A client without the requirement signs the unverified account in, and is told so.
    const loose = await signIn(relaxed, { email: 'fresh@example.com', password: PASSWORD });
    const looseTokens = await exchangeCode(relaxed, loose.start, loose.callback.url);
    expect(await userinfo(relaxed, looseTokens)).toMatchObject({ email: 'fresh@example.com', email_verified: false });

    // The strict client: the password is right, but the flow stops at "verify your email first".
    const agent = new UserAgent('http://127.0.0.1:9/callback');
    // The claims parameter puts email_verified in the ID token as well (OIDC Core §5.5).
    const start = await startAuthorization(strict, { claims: JSON.stringify({ id_token: { email_verified: null } }) });
    let page = await submitLogin(agent, await agent.request(start.url.href), 'fresh@example.com', PASSWORD);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Verify your email first');
    page = await submit(agent, page, '/continue');
    expect(page.status).toBe(400);
    expect(page.body).toContain('not verified yet');

    // Asking for a new link there replaces the first one.
    page = await submit(agent, page, '/verification');
    expect(page.body).toContain('We sent a new link to fresh@example.com');
    const second = await mailLink(env.smtp, 'fresh@example.com', `${env.issuer}/account/verify?token=`);
    expect((await followLink(new UserAgent(), first.link)).status).toBe(400);
    expect((await followLink(new UserAgent(), second.link)).status).toBe(200);

    const consent = await submit(agent, page, '/continue');
    expect(consent.body).toContain('Allow access?');
    const done = await submitConsent(agent, consent);
    expect(done.status).toBe(0);
    const tokens = await exchangeCode(strict, start, done.url);
    expect(tokens.claims()).toMatchObject({ email_verified: true });
    expect(await userinfo(strict, tokens)).toMatchObject({ email: 'fresh@example.com', email_verified: true });
    expect(await userinfo(relaxed, looseTokens)).toMatchObject({ email_verified: true });
  });

  it('keeps the person\'s "keep me signed in" choice through the step', async () => {
    const sessionCookie = async (agent: UserAgent) => (await agent.jar.getCookies(env.issuer)).find((cookie) => cookie.key === '_session');
    for (const remember of [false, true]) {
      const email = `choice-${remember}@example.com`;
      await env.server.container.accounts.createAccount({ email, password: PASSWORD });
      const agent = new UserAgent('http://127.0.0.1:9/callback');
      const login = await agent.request((await startAuthorization(strict)).url.href);
      const form: Record<string, string> = { csrf: UserAgent.field(login, 'csrf'), email, password: PASSWORD };
      if (remember) form.remember = 'yes';
      const page = await agent.request(UserAgent.action(login, '/login'), { form });
      expect(page.body).toContain('Verify your email first');
      await env.server.container.db('accounts').where({ email }).update({ email_verified: true });
      expect((await submit(agent, page, '/continue')).body).toContain('Allow access?');
      // A session cookie (no expiry) unless the box was ticked.
      const cookie = await sessionCookie(agent);
      if (remember) expect(cookie?.expires).toBeInstanceOf(Date);
      else expect(cookie?.expires).toBe('Infinity');
    }
  });

  it('applies to single sign-on too: an existing session does not skip the check', async () => {
    await signUp(new UserAgent(), env.issuer, { email: 'sso@example.com', name: 'Sso', password: PASSWORD });
    await env.smtp.nextMail('sso@example.com');
    const { agent } = await signIn(relaxed, { email: 'sso@example.com', password: PASSWORD });
    const page = await agent.request((await startAuthorization(strict)).url.href);
    expect(page.body).toContain('Verify your email first');
    expect(page.body).not.toContain('name="password"');
  });
});
