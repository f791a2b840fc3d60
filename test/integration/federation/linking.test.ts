import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { followLink, mailLink, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, isChallenge } from '../../support/mfa.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { startUpstreamOidc, stopAgentAt } from '../../support/upstream.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'a long enough password for tests';
const NEW_PASSWORD = 'another long password for the owner';
const UPSTREAM_SECRET = 'upstream-client-secret-for-linking';
const RECENT = 600;

/**
 * Linking an upstream identity to a local account (issue 15, item 5): only the proven owner of the
 * account and its address links, a reset that first proves the address removes what was linked
 * before, and a password-proven link waits for the local second factor.
 */
describe('linking upstream identities', () => {
  const clock = new ManualClock(Date.now());
  let env: AccountTestServer;
  let upstream: Awaited<ReturnType<typeof startUpstreamOidc>>;
  let app: RegisteredClient;

  const db = () => env.server.container.db;
  const identitiesOf = (accountId: string) => db()('federated_identities').where({ account_id: accountId });

  beforeAll(async () => {
    env = await startAccountServer({ clock, env: { RECENT_LOGIN_SECONDS: String(RECENT) } });
    upstream = await startUpstreamOidc({ clientId: 'broker', clientSecret: UPSTREAM_SECRET, redirectUris: [`${env.issuer}/federation/callback/corp`] });
    await env.server.container.connections.createConnection(
      { issuer: upstream.issuer, client_id: 'broker', client_secret: UPSTREAM_SECRET, slug: 'corp', display_name: 'Corp SSO' },
      TEST_ACTOR,
    );
    app = await registerClient(env.issuer, env.server.container, { firstParty: true });
  });
  afterAll(async () => {
    await upstream?.close();
    await env?.close();
  });

  const account = (email: string, emailVerified = true) => env.server.container.accounts.createAccount({ email, password: PASSWORD, emailVerified });
  async function enrol(accountId: string) {
    const enrollment = await env.server.container.mfa.beginTotpEnrollment(accountId, 'test');
    await env.server.container.mfa.confirmTotpEnrollment(accountId, await currentCode(enrollment.secret, clock));
    return enrollment.secret;
  }

  /** Presses "Link" for Corp SSO on /account/connections; the browser stops where that leads (upstream or our login). */
  async function pressLink(agent: UserAgent): Promise<Page> {
    const page = await agent.request(`${env.issuer}/account/connections`);
    stopAgentAt(agent, `${upstream.issuer}/auth`);
    const result = await agent.request(UserAgent.action(page, '/corp/link'), { form: { csrf: UserAgent.field(page, 'csrf') } });
    stopAgentAt(agent, undefined);
    return result;
  }
  const wentUpstream = (page: Page) => page.url.startsWith(`${upstream.issuer}/auth`);

  describe('from the account page', () => {
    it('goes upstream after a recent sign-in with the password, and links', async () => {
      const owner = await account('fresh@example.com');
      upstream.users.set('u-fresh', { email: 'fresh@corp.example', email_verified: true });
      upstream.signInAs('u-fresh');
      const agent = new UserAgent();
      await signInToAccount(agent, env.issuer, { email: 'fresh@example.com', password: PASSWORD }, '/account/connections');
      const sent = await pressLink(agent);
      expect(wentUpstream(sent)).toBe(true);
      // The upstream leg in a browser of its own: both servers are on 127.0.0.1, and cookies ignore the port.
      const callback = await stopAgentAt(new UserAgent(), `${env.issuer}/federation/callback/`).request(sent.url);
      const back = await agent.request(callback.url);
      expect(back.url).toBe(`${env.issuer}/account/connections`);
      expect(await identitiesOf(owner.id)).toEqual([expect.objectContaining({ subject: 'u-fresh' })]);
    });

    it('asks for the password again when the sign-in is not recent', async () => {
      const owner = await account('stale@example.com');
      const agent = new UserAgent();
      await signInToAccount(agent, env.issuer, { email: 'stale@example.com', password: PASSWORD }, '/account/connections');
      clock.advance(RECENT + 1);
      const asked = await pressLink(agent);
      expect(wentUpstream(asked)).toBe(false);
      expect(asked.url).toContain('/interaction/');
      expect(asked.body).toContain('name="password"');
      // The password again: back on the page, and now the link goes upstream.
      const page = await submit(agent, asked, '/login', { email: 'stale@example.com', password: PASSWORD });
      expect(page.url).toBe(`${env.issuer}/account/connections`);
      expect(wentUpstream(await pressLink(agent))).toBe(true);
      expect(await identitiesOf(owner.id)).toEqual([]);
    });

    it('asks for the second factor too when the account has one', async () => {
      const owner = await account('twofactor@example.com');
      const agent = new UserAgent();
      await signInToAccount(agent, env.issuer, { email: 'twofactor@example.com', password: PASSWORD }, '/account/connections');
      const secret = await enrol(owner.id);
      const asked = await pressLink(agent);
      expect(wentUpstream(asked)).toBe(false);
      const challenge = await submit(agent, asked, '/login', { email: 'twofactor@example.com', password: PASSWORD });
      expect(isChallenge(challenge)).toBe(true);
      clock.advance(30);
      const page = await submit(agent, challenge, '/mfa', { code: await currentCode(secret, clock) });
      expect(page.url).toBe(`${env.issuer}/account/connections`);
      expect(wentUpstream(await pressLink(agent))).toBe(true);
    });

    it('refuses an account whose address is not verified', async () => {
      await account('unproven@example.com', false);
      const agent = new UserAgent();
      await signInToAccount(agent, env.issuer, { email: 'unproven@example.com', password: PASSWORD }, '/account/connections');
      const refused = await pressLink(agent);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('Verify your email address first');
    });
  });

  it('a reset that first proves the address removes the identities and factor added before, and says so', async () => {
    // The attacker gets in first: JIT from an upstream that does not verify the address, plus their authenticator.
    upstream.users.set('u-mallory', { email: 'victim@corp.example', email_verified: false, name: 'Mallory' });
    upstream.signInAs('u-mallory');
    const agent = new UserAgent(REDIRECT_URI);
    const login = await agent.request((await startAuthorization(app)).url.href);
    await agent.request(UserAgent.action(login, '/federation/corp'), { form: { csrf: UserAgent.field(login, 'csrf') } });
    const victim = (await env.server.container.accounts.findByEmail('victim@corp.example'))!;
    expect(victim.email_verified).toBe(false);
    expect(await identitiesOf(victim.id)).toHaveLength(1);
    await enrol(victim.id);

    // The owner of the mailbox resets the password.
    const owner = new UserAgent();
    await submit(owner, await owner.request(`${env.issuer}/account/forgot`), '/account/forgot', { email: 'victim@corp.example' });
    const { link } = await mailLink(env.smtp, 'victim@corp.example', `${env.issuer}/account/reset?token=`);
    expect((await followLink(owner, link, { password: NEW_PASSWORD })).status).toBe(200);
    const notice = await env.smtp.nextMail('victim@corp.example');
    expect(notice.text).toContain('first proof that this address is yours');
    expect(notice.text).toContain('sign-in with Corp SSO');
    expect(notice.text).toContain('two-step verification');

    expect(await identitiesOf(victim.id)).toEqual([]);
    expect((await env.server.container.mfa.status(victim.id)).totpEnrolled).toBe(false);
    expect((await env.server.container.accounts.findById(victim.id))!.email_verified).toBe(true);
    const [reset] = await db()('events').where({ type: 'account.password_reset', account_id: victim.id, outcome: 'success' });
    expect(reset.detail).toMatchObject({ addressFirstProven: true, providersUnlinked: 1, secondFactorRemoved: true });
    expect(await db()('events').where({ type: 'federation.unlinked', account_id: victim.id })).toHaveLength(1);

    // The attacker's upstream identity no longer signs in to the account.
    const again = new UserAgent(REDIRECT_URI);
    const retry = await again.request((await startAuthorization(app)).url.href);
    const refused = await again.request(UserAgent.action(retry, '/federation/corp'), { form: { csrf: UserAgent.field(retry, 'csrf') } });
    expect(refused.status).toBe(403);

    // A reset of an address proven before keeps what the owner linked.
    const linked = await account('kept@example.com');
    await env.server.container.federation.broker.link(
      (await env.server.container.connections.findBySlug('corp'))!,
      { subject: 'u-kept', email: 'kept@example.com', emailVerified: true, amr: [], groups: [] } as never,
      linked.id,
      'session',
      { origin: {} },
    );
    await submit(owner, await owner.request(`${env.issuer}/account/forgot`), '/account/forgot', { email: 'kept@example.com' });
    const keptLink = (await mailLink(env.smtp, 'kept@example.com', `${env.issuer}/account/reset?token=`)).link;
    await followLink(new UserAgent(), keptLink, { password: NEW_PASSWORD });
    expect(await identitiesOf(linked.id)).toHaveLength(1);
  });

  it('stores a password-proven link only after the local second factor succeeds', async () => {
    const owner = await account('mfa-link@corp.example');
    const secret = await enrol(owner.id);
    upstream.users.set('u-owner', { email: 'mfa-link@corp.example', email_verified: true });
    upstream.signInAs('u-owner');
    const agent = new UserAgent(REDIRECT_URI);
    const login = await agent.request((await startAuthorization(app)).url.href);
    const linkPage = await agent.request(UserAgent.action(login, '/federation/corp'), { form: { csrf: UserAgent.field(login, 'csrf') } });
    expect(linkPage.url).toMatch(/\/federation\/link$/);
    const challenge = await agent.request(UserAgent.action(linkPage, '/federation/link'), { form: { csrf: UserAgent.field(linkPage, 'csrf'), password: PASSWORD } });
    expect(isChallenge(challenge)).toBe(true);
    // Password proven, factor not yet: no link.
    expect(await identitiesOf(owner.id)).toEqual([]);
    const wrong = await submit(agent, challenge, '/mfa', { code: '000000' });
    expect(wrong.status).toBe(401);
    expect(await identitiesOf(owner.id)).toEqual([]);
    clock.advance(30);
    const done = await submit(agent, wrong, '/mfa', { code: await currentCode(secret, clock) });
    expect(done.url.startsWith(REDIRECT_URI)).toBe(true);
    expect(await identitiesOf(owner.id)).toEqual([expect.objectContaining({ subject: 'u-owner' })]);
    const [linked] = await db()('events').where({ type: 'federation.linked', account_id: owner.id });
    expect(linked.detail).toMatchObject({ connection: 'corp', proof: 'password' });
  });
});
