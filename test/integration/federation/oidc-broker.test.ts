import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { ACR_MFA } from '../../../src/mfa/policy.js';
import { isEnrollment } from '../../support/mfa.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { exchangeCode, REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startUpstreamOidc, stopAgentAt } from '../../support/upstream.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'a long enough password for tests';
const UPSTREAM_SECRET = 'upstream-client-secret-never-logged';

describe('sign-in through an upstream OpenID Connect provider', () => {
  let server: TestServer;
  let upstream: Awaited<ReturnType<typeof startUpstreamOidc>>;
  let app: RegisteredClient;
  let strict: RegisteredClient;
  const groupIds: Record<string, string> = {};

  // Personal values (the upstream subject) are stored encrypted: read them as the reader does.
  const events = async (type: string) => server.container.vault.reveal(await server.container.db('events').where({ type }).orderBy('id'));
  const lastEvent = async (type: string) => (await events(type)).at(-1);

  beforeAll(async () => {
    server = await startTestServer();
    const { container } = server;
    upstream = await startUpstreamOidc({
      clientId: 'our-broker',
      clientSecret: UPSTREAM_SECRET,
      redirectUris: ['corp', 'trusted', 'hrd'].map((slug) => `${server.issuer}/federation/callback/${slug}`),
    });
    for (const name of ['engineering', 'sales', 'staff']) groupIds[name] = (await container.groups.createGroup({ name }, TEST_ACTOR)).id;
    const common = { issuer: upstream.issuer, client_id: 'our-broker', client_secret: UPSTREAM_SECRET };
    await container.connections.createConnection(
      { ...common, slug: 'corp', display_name: 'Corp SSO', groups_claim: 'groups', group_map: { eng: groupIds.engineering, sales: groupIds.sales } },
      TEST_ACTOR,
    );
    await container.connections.createConnection({ ...common, slug: 'trusted', display_name: 'Trusted SSO', trust_upstream_mfa: true }, TEST_ACTOR);
    await container.connections.createConnection({ ...common, slug: 'hrd', display_name: 'Realm SSO', domains: ['realm.example'] }, TEST_ACTOR);
    app = await registerClient(server.issuer, container, { firstParty: true });
    strict = await registerClient(server.issuer, container, { firstParty: true });
    await container.db('clients').where({ client_id: strict.clientId }).update({ require_mfa: true });
    upstream.users.set('u-alice', { email: 'alice@corp.example', email_verified: true, name: 'Alice Upstream', groups: ['eng', 'unmapped'] });
    upstream.users.set('u-mallory', { email: 'victim@corp.example', email_verified: false, name: 'Mallory' });
    upstream.users.set('u-bob', { email: 'bob@corp.example', email_verified: true, name: 'Bob' });
    upstream.users.set('u-carol', { email: 'carol@corp.example', email_verified: true });
    upstream.users.set('u-dan', { email: 'dan@corp.example', email_verified: true });
    upstream.users.set('u-realm', { email: 'rae@realm.example', email_verified: true });
    await container.accounts.createAccount({ email: 'victim@corp.example', password: PASSWORD });
    await container.accounts.createAccount({ email: 'bob@corp.example', password: PASSWORD, name: 'Bob Local' });
  });
  afterAll(async () => {
    await upstream?.close();
    await server?.close();
  });

  /** Opens the login page of a new authorization and presses "Continue with …" for `slug`. */
  async function continueWith(slug: string, client = app, agent = new UserAgent(REDIRECT_URI)) {
    const start = await startAuthorization(client, { scope: 'openid email profile groups' });
    const login = await agent.request(start.url.href);
    const page = await agent.request(UserAgent.action(login, `/federation/${slug}`), { form: { csrf: UserAgent.field(login, 'csrf') } });
    return { start, agent, login, page };
  }

  async function claimsAfter(client: RegisteredClient, start: Awaited<ReturnType<typeof startAuthorization>>, page: Page) {
    expect(page.url.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await exchangeCode(client, start, page.url);
    return decodeJwt(tokens.id_token!);
  }

  it('offers each enabled connection on the login page, and a client can restrict them', async () => {
    const { login } = await continueWith('corp').catch(() => ({ login: undefined as unknown as Page }));
    const page = login ?? (await new UserAgent(REDIRECT_URI).request((await startAuthorization(app)).url.href));
    expect(page.body).toContain('Continue with Corp SSO');
    expect(page.body).toContain('Continue with Trusted SSO');
    const restricted = await registerClient(server.issuer, server.container, { firstParty: true });
    const corp = (await server.container.connections.findBySlug('corp'))!;
    await server.container.connections.setClientPolicy(restricted.clientId, [corp.id], TEST_ACTOR);
    const agent = new UserAgent(REDIRECT_URI);
    const only = await agent.request((await startAuthorization(restricted)).url.href);
    expect(only.body).toContain('Continue with Corp SSO');
    expect(only.body).not.toContain('Trusted SSO');
    // Not offered means not usable either, even by posting to it directly.
    const direct = await agent.request(UserAgent.action(only, '/federation/corp').replace('/corp', '/trusted'), { form: { csrf: UserAgent.field(only, 'csrf') } });
    expect(direct.status).toBe(404);
  });

  it('creates an account just in time, maps attributes and groups, and lands in the app with our tokens', async () => {
    upstream.signInAs('u-alice');
    const { start, page } = await continueWith('corp');
    const claims = await claimsAfter(app, start, page);
    expect(claims.iss).toBe(server.issuer);
    expect(claims.groups).toEqual(['engineering']);
    expect(claims.amr).toEqual(['fed']);
    const account = (await server.container.accounts.findById(String(claims.sub)))!;
    expect(account).toMatchObject({ email: 'alice@corp.example', name: 'Alice Upstream', email_verified: true, password_hash: null });
    expect(await server.container.db('federated_identities').where({ account_id: account.id })).toEqual([
      expect.objectContaining({ subject: 'u-alice', email: 'alice@corp.example' }),
    ]);
    expect((await lastEvent('account.created'))?.detail).toMatchObject({ via: 'federation', jit: true, connection: 'corp' });
    expect(await lastEvent('federation.login_succeeded')).toMatchObject({ account_id: account.id, detail: { connection: 'corp', created: true } });
    const stored = JSON.stringify([await server.container.db('federation_connections').select('*'), await server.container.db('events').select('*')]);
    expect(stored).not.toContain(UPSTREAM_SECRET);
  });

  it('follows group changes upstream at the next sign-in, and leaves memberships made by hand alone', async () => {
    const alice = (await server.container.accounts.findByEmail('alice@corp.example'))!;
    await server.container.groups.addMember(groupIds.staff, { type: 'account', id: alice.id }, TEST_ACTOR);
    upstream.users.set('u-alice', { ...upstream.users.get('u-alice'), groups: ['sales'] });
    const { start, page } = await continueWith('corp');
    const claims = await claimsAfter(app, start, page);
    expect(claims.sub).toBe(alice.id);
    expect([...(claims.groups as string[])].sort()).toEqual(['sales', 'staff']);
    const removed = (await events('group.member_removed')).at(-1);
    expect(removed).toMatchObject({ actor_type: 'system', actor_id: 'federation:corp', detail: { target: { name: 'engineering' } } });
    upstream.users.set('u-alice', { ...upstream.users.get('u-alice'), groups: [] });
    const again = await continueWith('corp');
    expect((await claimsAfter(app, again.start, again.page)).groups).toEqual(['staff']);
  });

  it('refuses an unverified upstream email that names an existing account: no takeover', async () => {
    upstream.signInAs('u-mallory');
    const { page } = await continueWith('corp');
    expect(page.status).toBe(403);
    expect(page.url).toContain('/federation/callback/corp');
    expect(page.body).toContain('does not confirm that the address is yours');
    const victim = (await server.container.accounts.findByEmail('victim@corp.example'))!;
    expect(await server.container.db('federated_identities').where({ account_id: victim.id })).toEqual([]);
    expect(await server.container.db('federated_identities').where({ subject: 'u-mallory' })).toEqual([]);
    expect(await lastEvent('federation.login_failed')).toMatchObject({ outcome: 'failure', detail: { reason: 'unverified_email_matches_account', connection: 'corp' } });
  });

  it('links a verified upstream email to the existing account only after its password is proven', async () => {
    upstream.signInAs('u-bob');
    const { start, agent, page } = await continueWith('corp');
    expect(page.url).toMatch(/\/interaction\/[^/]+\/federation\/link$/);
    expect(page.body).toContain('bob@corp.example');
    const bob = (await server.container.accounts.findByEmail('bob@corp.example'))!;
    const wrong = await agent.request(UserAgent.action(page, '/federation/link'), { form: { csrf: UserAgent.field(page, 'csrf'), password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(await server.container.db('federated_identities').where({ account_id: bob.id })).toEqual([]);
    const done = await agent.request(UserAgent.action(wrong, '/federation/link'), { form: { csrf: UserAgent.field(wrong, 'csrf'), password: PASSWORD } });
    const claims = await claimsAfter(app, start, done);
    expect(claims.sub).toBe(bob.id);
    expect(claims.amr).toEqual(['fed', 'pwd']);
    expect(await lastEvent('federation.linked')).toMatchObject({ account_id: bob.id, detail: { connection: 'corp', subject: 'u-bob', proof: 'password' } });
    // From now on the link alone signs Bob in.
    const next = await continueWith('corp');
    expect((await claimsAfter(app, next.start, next.page)).sub).toBe(bob.id);
  });

  it('refuses a callback whose state was changed, or that comes to another browser', async () => {
    upstream.signInAs('u-alice');
    const agent = stopAgentAt(new UserAgent(), `${server.issuer}/federation/callback/`);
    const { page } = await continueWith('corp', app, agent);
    expect(page.status).toBe(0);
    const tampered = new URL(page.url);
    tampered.searchParams.set('state', 'forged-state');
    stopAgentAt(agent, REDIRECT_URI);
    const forged = await agent.request(tampered.href);
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('did not start in this browser');
    expect(await lastEvent('federation.login_failed')).toMatchObject({ detail: { reason: 'state_mismatch' } });

    const second = await continueWith('corp', app, stopAgentAt(new UserAgent(), `${server.issuer}/federation/callback/`));
    const elsewhere = await new UserAgent(REDIRECT_URI).request(second.page.url);
    expect(elsewhere.status).toBe(400);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    upstream.signInAs('u-alice');
    const agent = stopAgentAt(new UserAgent(), `${upstream.issuer}/auth`);
    const { page } = await continueWith('corp', app, agent);
    const upstreamRequest = new URL(page.url);
    expect(upstreamRequest.searchParams.get('code_challenge_method')).toBe('S256');
    expect(upstreamRequest.searchParams.get('nonce')).toBeTruthy();
    upstreamRequest.searchParams.set('nonce', 'a-different-nonce');
    const result = await stopAgentAt(agent, REDIRECT_URI).request(upstreamRequest.href);
    expect(result.status).toBe(400);
    expect(result.body).toContain('could not be accepted');
    expect((await lastEvent('federation.login_failed'))?.detail).toMatchObject({ reason: 'verification_failed', message: expect.stringContaining('nonce') });
  });

  it('refuses a callback that names another issuer (RFC 9207 mix-up defence)', async () => {
    upstream.signInAs('u-alice');
    const agent = stopAgentAt(new UserAgent(), `${server.issuer}/federation/callback/`);
    const { page } = await continueWith('corp', app, agent);
    const callback = new URL(page.url);
    expect(callback.searchParams.get('iss')).toBe(upstream.issuer);
    callback.searchParams.set('iss', 'https://attacker.example');
    const result = await stopAgentAt(agent, REDIRECT_URI).request(callback.href);
    expect(result.status).toBe(400);
    expect((await lastEvent('federation.login_failed'))?.detail).toMatchObject({ reason: 'verification_failed', message: expect.stringContaining('iss') });
  });

  it('shows an upstream access_denied as a clean page with the way back', async () => {
    upstream.refuse('access_denied');
    const { page } = await continueWith('corp');
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('Sign-in with Corp SSO was cancelled');
    expect(page.body).toMatch(/href="\/interaction\/[^"]+">Back to sign-in/);
    expect(await lastEvent('federation.login_failed')).toMatchObject({ detail: { reason: 'upstream_error', upstreamError: { error: 'access_denied', description: 'The user declined' } } });
  });

  it('applies the local MFA policy after an upstream sign-in', async () => {
    upstream.signInAs('u-carol', { amr: ['pwd', 'mfa'], acr: ACR_MFA });
    const { page } = await continueWith('corp', strict);
    expect(isEnrollment(page)).toBe(true);
  });

  it('accepts the upstream MFA on a connection trusted for it', async () => {
    upstream.signInAs('u-dan', { amr: ['pwd', 'mfa'], acr: ACR_MFA });
    const { start, page } = await continueWith('trusted', strict);
    const claims = await claimsAfter(strict, start, page);
    expect(claims.acr).toBe(ACR_MFA);
    expect(claims.amr).toEqual(['fed', 'mfa']);
    // Without the upstream saying so, a trusted connection still asks for the local factor.
    upstream.signInAs('u-dan', { amr: ['pwd'] });
    const plain = await continueWith('trusted', strict);
    expect(isEnrollment(plain.page)).toBe(true);
  });

  it('sends an email of a mapped domain straight to its provider (home-realm discovery)', async () => {
    upstream.signInAs('u-realm');
    const agent = stopAgentAt(new UserAgent(), `${upstream.issuer}/auth`);
    const start = await startAuthorization(app);
    const login = await agent.request(start.url.href);
    const sent = await agent.request(UserAgent.action(login, '/login'), { form: { csrf: UserAgent.field(login, 'csrf'), email: 'Rae@Realm.example', password: '' } });
    expect(sent.url.startsWith(`${upstream.issuer}/auth`)).toBe(true);
    expect(new URL(sent.url).searchParams.get('login_hint')).toBe('Rae@Realm.example');
    const done = await stopAgentAt(agent, REDIRECT_URI).request(sent.url);
    const claims = await claimsAfter(app, start, done);
    expect((await server.container.accounts.findById(String(claims.sub)))?.email).toBe('rae@realm.example');
  });

  it('lets a signed-in person unlink a connection, but never the last way to sign in', async () => {
    upstream.signInAs('u-alice');
    const alice = await continueWith('corp');
    const page = await alice.agent.request(`${server.issuer}/account/connections`);
    expect(page.body).toContain('Corp SSO — linked');
    const refused = await alice.agent.request(UserAgent.action(page, '/corp/unlink'), { form: { csrf: UserAgent.field(page, 'csrf') } });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('only way to sign in');
    // A passkey is a way in too: with one, the connection may go.
    const aliceId = (await server.container.accounts.findByEmail('alice@corp.example'))!.id;
    await insertPasskey(server.container.db, { id: '00000000-0000-4000-8000-00000000a11c', accountId: aliceId, credentialId: 'YWxpY2Uta2V5', name: 'Key' });
    const withPasskey = await alice.agent.request(`${server.issuer}/account/connections`);
    const allowed = await alice.agent.request(UserAgent.action(withPasskey, '/corp/unlink'), { form: { csrf: UserAgent.field(withPasskey, 'csrf') } });
    expect(allowed.body).toContain('Corp SSO — not linked');

    upstream.signInAs('u-bob');
    const bob = await continueWith('corp');
    const bobPage = await bob.agent.request(`${server.issuer}/account/connections`);
    const unlinked = await bob.agent.request(UserAgent.action(bobPage, '/corp/unlink'), { form: { csrf: UserAgent.field(bobPage, 'csrf') } });
    expect(unlinked.body).toContain('Corp SSO — not linked');
    expect(await lastEvent('federation.unlinked')).toMatchObject({ detail: { connection: 'corp', subjects: ['u-bob'] } });
    // Nobody signed in: the page sends the browser through the hosted login first.
    expect((await new UserAgent().request(`${server.issuer}/account/connections`)).url).toContain('/interaction/');
  });
});
