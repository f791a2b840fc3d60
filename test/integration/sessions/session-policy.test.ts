import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { bootstrapAdmin } from '../../support/admin.js';
import { ManualClock } from '../../support/manual-clock.js';
import { exchangeCode, REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

const V1 = '/admin/api/v1';
const IDLE = 600;
const MAX = 3600;
const REMEMBER_IDLE = 86_400;
const REMEMBER_MAX = 7 * 86_400;

/**
 * Session lifetimes by the injectable clock: nothing here sleeps. The clock moves; the store's own
 * (real-time) expiry never comes into play, so every ending seen here is the policy's.
 */
describe('session lifetime policy', () => {
  // At the real time: oidc-provider's own expiry (sessions, codes, tokens) runs on real time, and the
  // session index lists what the policy's clock says is unexpired, so both must start together.
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let app: RegisteredClient;
  let sensitive: RegisteredClient;
  let counter = 0;

  async function person() {
    counter += 1;
    const email = `person${counter}@example.com`;
    const password = 'a long enough password';
    const account = await server.container.accounts.createAccount({ email, password, emailVerified: true });
    return { id: account.id, email, password };
  }

  /** Signs in through the login form (first-party app: no consent page) and returns the browser and the code exchange. */
  async function signIn(who: { email: string; password: string }, options: { remember?: boolean; scope?: string; prompt?: string; client?: RegisteredClient } = {}) {
    const agent = new UserAgent(REDIRECT_URI);
    const client = options.client ?? app;
    const start = await startAuthorization(client, { scope: options.scope ?? 'openid', ...(options.prompt ? { prompt: options.prompt } : {}) });
    const login = await agent.request(start.url.href);
    expect(login.body).toContain('name="remember"');
    const form: Record<string, string> = { csrf: UserAgent.field(login, 'csrf'), email: who.email, password: who.password };
    if (options.remember) form.remember = 'yes';
    const callback = await agent.request(UserAgent.action(login, '/login'), { form });
    expect(new URL(callback.url).searchParams.get('code')).toEqual(expect.any(String));
    return { agent, tokens: await exchangeCode(client, start, callback.url) };
  }

  /** An authorization request with prompt=none: `code` when the session is alive, else the error. */
  async function silently(agent: UserAgent, client = app): Promise<string> {
    const start = await startAuthorization(client, { prompt: 'none', scope: 'openid' });
    const landed = new URL((await agent.request(start.url.href)).url);
    return landed.searchParams.get('error') ?? (landed.searchParams.get('code') ? 'code' : 'nothing');
  }

  const sessionsOf = (accountId: string) => server.container.sessionIndex.listSessions(server.container.providers.current(), accountId);

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      env: {
        SESSION_IDLE_TIMEOUT: String(IDLE),
        SESSION_MAX_LIFETIME: String(MAX),
        SESSION_REMEMBER_IDLE_TIMEOUT: String(REMEMBER_IDLE),
        SESSION_REMEMBER_MAX_LIFETIME: String(REMEMBER_MAX),
      },
    });
    app = await registerClient(server.issuer, server.container, { firstParty: true });
    const { client, clientSecret } = await server.container.clients.createClient({
      name: 'Payroll', type: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [], firstParty: true, defaultMaxAge: 300,
    });
    sensitive = {
      clientId: client.client_id,
      config: await oidc.discovery(new URL(server.issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] }),
    };
  });
  afterAll(() => server.close());
  // Each test starts at the present, whatever earlier tests did to the clock (they move it by days).
  beforeEach(() => clock.setTo(Date.now()));

  it('ends the sessions and refresh tokens of an account disabled through the admin API at once, offline ones included', async () => {
    // A token of its own, issued at the clock's present (earlier tests may have moved it far ahead).
    const admin = await bootstrapAdmin(server);
    const who = await person();
    const online = await signIn(who);
    const offline = await signIn(who, { scope: 'openid offline_access', prompt: 'consent' });
    expect(offline.tokens.scope).toContain('offline_access');
    expect(await sessionsOf(who.id)).toHaveLength(2);
    expect((await admin.call('PATCH', `${V1}/accounts/${who.id}`, { status: 'disabled' })).status).toBe(200);
    expect(await sessionsOf(who.id)).toEqual([]);
    expect(await silently(online.agent)).toBe('login_required');
    await expect(oidc.refreshTokenGrant(app.config, online.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(app.config, offline.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('ends a session left idle past the idle timeout; activity keeps it alive until then', async () => {
    const who = await person();
    const { agent } = await signIn(who);
    const [{ uid }] = await sessionsOf(who.id);
    clock.advance(IDLE - 60);
    expect(await silently(agent)).toBe('code');
    clock.advance(IDLE - 60);
    expect(await silently(agent)).toBe('code');
    clock.advance(IDLE + 1);
    expect(await silently(agent)).toBe('login_required');
    // Gone from the store, not merely refused.
    const store = (server.container.providers.current().Session as unknown as { adapter: { findByUid(uid: string): Promise<unknown> } }).adapter;
    expect(await store.findByUid(uid)).toBeUndefined();
    // A new sign-in in the same browser starts a new session.
    const start = await startAuthorization(app, { scope: 'openid' });
    expect((await agent.request(start.url.href)).body).toContain('name="password"');
  });

  it('ends a session at its absolute lifetime however active it is', async () => {
    const { agent } = await signIn(await person());
    for (let elapsed = 0; elapsed + IDLE - 100 < MAX; elapsed += IDLE - 100) {
      clock.advance(IDLE - 100);
      expect(await silently(agent)).toBe('code');
    }
    clock.advance(IDLE - 100);
    expect(await silently(agent)).toBe('login_required');
  });

  it('keeps a remembered session longer (and in a persistent cookie), up to the remembered lifetimes', async () => {
    const forgotten = await signIn(await person());
    const remembered = await signIn(await person(), { remember: true });
    const sessionCookie = async (agent: UserAgent) => (await agent.jar.getCookies(server.issuer)).find((cookie) => cookie.key === '_session');
    expect((await sessionCookie(forgotten.agent))?.expires).toBe('Infinity');
    expect((await sessionCookie(remembered.agent))?.expires).toBeInstanceOf(Date);

    clock.advance(IDLE + 1);
    expect(await silently(forgotten.agent)).toBe('login_required');
    expect(await silently(remembered.agent)).toBe('code');
    for (let elapsed = IDLE + 1; elapsed + REMEMBER_IDLE - 100 < REMEMBER_MAX; elapsed += REMEMBER_IDLE - 100) {
      clock.advance(REMEMBER_IDLE - 100);
      expect(await silently(remembered.agent)).toBe('code');
    }
    clock.advance(REMEMBER_IDLE - 100);
    expect(await silently(remembered.agent)).toBe('login_required');
  });

  it('ends a remembered session idle past the remembered idle timeout', async () => {
    const { agent } = await signIn(await person(), { remember: true });
    clock.advance(REMEMBER_IDLE + 1);
    expect(await silently(agent)).toBe('login_required');
  });

  it("makes people sign in again for a client whose default_max_age has passed, and only for that client", async () => {
    const { agent } = await signIn(await person());
    // The first visit to the (first-party) client is interactive: it records the grant, no login asked.
    const first = await agent.request((await startAuthorization(sensitive, { scope: 'openid' })).url.href);
    expect(new URL(first.url).searchParams.get('code')).toEqual(expect.any(String));
    expect(await silently(agent, sensitive)).toBe('code');
    clock.advance(301);
    expect(await silently(agent, sensitive)).toBe('login_required');
    expect(await silently(agent)).toBe('code');
    const start = await startAuthorization(sensitive, { scope: 'openid' });
    expect((await agent.request(start.url.href)).body).toContain('name="password"');
  });

  it('ends the session of an account disabled elsewhere (the CLI) at its next use', async () => {
    const who = await person();
    const { agent } = await signIn(who);
    await server.container.accounts.setStatusByEmail(who.email, 'disabled');
    expect(await silently(agent)).toBe('login_required');
    await server.container.accounts.setStatusByEmail(who.email, 'active');
    // The session was ended, not suspended: enabling the account again does not bring it back.
    expect(await silently(agent)).toBe('login_required');
  });

  it('lets refresh tokens without offline_access end with the session, and offline ones outlive it', async () => {
    const who = await person();
    const online = await signIn(who);
    const offline = await signIn(who, { scope: 'openid offline_access', prompt: 'consent' });
    const refreshedOnline = await oidc.refreshTokenGrant(app.config, online.tokens.refresh_token!);
    clock.advance(IDLE + 1);
    await expect(oidc.refreshTokenGrant(app.config, refreshedOnline.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const stillOffline = await oidc.refreshTokenGrant(app.config, offline.tokens.refresh_token!);
    expect(stillOffline.access_token).toEqual(expect.any(String));
    expect(await silently(offline.agent)).toBe('login_required');
    await server.container.accounts.setStatusByEmail(who.email, 'disabled');
    await expect(oidc.refreshTokenGrant(app.config, stillOffline.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
