import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { runCommand } from '../../../src/cli/run.js';
import type { CliContext } from '../../../src/cli/context.js';
import { ManualClock } from '../../support/manual-clock.js';
import { grantClientApi } from '../../support/rbac.js';
import { exchangeCode, REDIRECT_URI, registerClient, startAuthorization, submitConsent, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

const API = 'https://api.example.test';
const OPAQUE_API = 'https://opaque.example.test';
const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

interface Row {
  id: string;
  type: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  request_id: string | null;
  detail: Record<string, unknown>;
}

/**
 * Every security-relevant step writes exactly one event: each case runs one step and looks at what
 * it added to the log.
 */
describe('one event per flow', () => {
  let server: TestServer;
  let web: RegisteredClient;
  let machine: RegisteredClient;
  let aliceId: string;
  const clock = new ManualClock(Date.now());
  let cli: CliContext;

  async function during(step: () => Promise<unknown>): Promise<Row[]> {
    const before = (await server.container.db('events').max<{ max: string | number | null }>({ max: 'id' }).first())?.max ?? 0;
    await step();
    // Personal values of events about an account are stored encrypted (docs/privacy.md): read them as the reader does.
    return server.container.vault.reveal(await server.container.db('events').where('id', '>', String(before)).orderBy('id'));
  }

  async function only(step: () => Promise<unknown>): Promise<Row> {
    const rows = await during(step);
    expect(rows.map((row) => row.type)).toHaveLength(1);
    return rows[0];
  }

  async function signedIn(scope = 'openid email offline_access') {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(web, { scope, prompt: 'consent' });
    const login = await agent.request(start.url.href);
    const consent = await submitLogin(agent, login, alice.email, alice.password);
    const callback = await submitConsent(agent, consent);
    return { start, callback, agent };
  }

  beforeAll(async () => {
    server = await startTestServer({ clock });
    aliceId = (await server.container.accounts.createAccount(alice)).id;
    web = await registerClient(server.issuer, server.container);
    machine = await registerClient(server.issuer, server.container, { type: 'machine' });
    await grantClientApi(server.container, machine.clientId, API, ['things:read']);
    await grantClientApi(server.container, machine.clientId, OPAQUE_API, ['opaque:read'], { tokenFormat: 'opaque' });
    cli = { ...server.container, afterKeyRotation: () => server.container.providers.refreshKeys() };
  });
  afterAll(() => server.close());

  it('login: one event per attempt, the reason kept in the log only', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const page = await agent.request((await startAuthorization(web)).url.href);
    let current = page;
    const attempt = (email: string, password: string) => only(async () => (current = await submitLogin(agent, current, email, password)));
    const wrong = await attempt(alice.email, 'not the password');
    expect(wrong).toMatchObject({ type: 'login.failed', outcome: 'failure', account_id: aliceId, client_id: web.clientId, detail: { reason: 'wrong_password' } });
    const unknown = await attempt('nobody@example.com', alice.password);
    expect(unknown).toMatchObject({ type: 'login.failed', account_id: null, actor_type: 'anonymous', detail: { reason: 'unknown_account' } });
    const ok = await attempt(alice.email, alice.password);
    expect(ok).toMatchObject({ type: 'login.succeeded', outcome: 'success', actor_type: 'account', actor_id: aliceId, account_id: aliceId, client_id: web.clientId });
    expect(ok.ip).toMatch(/127\.0\.0\.1/);
    expect(ok.request_id).toEqual(expect.any(String));
  });

  it('consent and the code exchange: one event each, with scopes and grant type', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(web, { scope: 'openid email offline_access', prompt: 'consent' });
    const consentPage = await submitLogin(agent, await agent.request(start.url.href), alice.email, alice.password);
    let callback!: Awaited<ReturnType<typeof submitConsent>>;
    const consent = await only(async () => (callback = await submitConsent(agent, consentPage)));
    expect(consent).toMatchObject({ type: 'consent.granted', account_id: aliceId, client_id: web.clientId, detail: { scope: 'openid email offline_access', grantId: expect.any(String) } });
    const issued = await only(() => exchangeCode(web, start, callback.url));
    expect(issued).toMatchObject({
      type: 'token.issued',
      actor_type: 'client',
      actor_id: web.clientId,
      account_id: aliceId,
      client_id: web.clientId,
      detail: { grantType: 'authorization_code', scope: 'openid email offline_access' },
    });
  });

  it('refresh: rotation is one event, reuse is one event that names the revoked grant', async () => {
    const { start, callback } = await signedIn();
    const tokens = await exchangeCode(web, start, callback.url);
    const rotated = await only(() => oidc.refreshTokenGrant(web.config, tokens.refresh_token!));
    expect(rotated).toMatchObject({ type: 'token.issued', detail: { grantType: 'refresh_token', refreshTokenRotated: true } });
    const reuse = await only(() => oidc.refreshTokenGrant(web.config, tokens.refresh_token!).catch(() => undefined));
    expect(reuse).toMatchObject({
      type: 'token.refresh_reuse_detected',
      outcome: 'failure',
      client_id: web.clientId,
      account_id: aliceId,
      detail: { grantType: 'refresh_token', grantsRevoked: [expect.any(String)] },
    });
  });

  it('code replay: one event that names the revoked grant', async () => {
    const { start, callback } = await signedIn();
    await exchangeCode(web, start, callback.url);
    const replay = await only(() => exchangeCode(web, start, callback.url).catch(() => undefined));
    expect(replay).toMatchObject({ type: 'token.code_replay_detected', outcome: 'failure', client_id: web.clientId, detail: { grantsRevoked: [expect.any(String)] } });
  });

  it('a failed grant is one event with the OAuth error', async () => {
    const failed = await only(() => oidc.refreshTokenGrant(web.config, 'not-a-refresh-token').catch(() => undefined));
    expect(failed).toMatchObject({ type: 'token.grant_failed', outcome: 'failure', detail: { grantType: 'refresh_token', error: 'invalid_grant' } });
  });

  it('client credentials: one event with client, scope and audience', async () => {
    const issued = await only(() => oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read' }));
    expect(issued).toMatchObject({
      type: 'token.issued',
      actor_type: 'client',
      actor_id: machine.clientId,
      account_id: null,
      detail: { grantType: 'client_credentials', scope: 'things:read', audience: API },
    });
  });

  it('revocation: one event, saying whether anything was revoked', async () => {
    const { start, callback } = await signedIn();
    const tokens = await exchangeCode(web, start, callback.url);
    const revoked = await only(() => oidc.tokenRevocation(web.config, tokens.refresh_token!));
    expect(revoked).toMatchObject({ type: 'token.revoked', outcome: 'success', account_id: aliceId, detail: { tokenType: 'RefreshToken', grantsRevoked: [expect.any(String)] } });
    const unknown = await only(() => oidc.tokenRevocation(web.config, 'no-such-token'));
    expect(unknown).toMatchObject({ type: 'token.revoked', outcome: 'failure', detail: { reason: 'unknown_token' } });
    const other = await signedIn();
    const othersTokens = await exchangeCode(web, other.start, other.callback.url);
    const notOwner = await only(() => oidc.tokenRevocation(machine.config, othersTokens.refresh_token!));
    expect(notOwner).toMatchObject({ type: 'token.revoked', outcome: 'failure', client_id: machine.clientId, detail: { reason: 'not_owner', tokenClientId: web.clientId } });
    // The refusal is real, not only recorded: the owner's refresh token still works.
    const refreshed = await oidc.refreshTokenGrant(web.config, othersTokens.refresh_token!);
    expect(refreshed.access_token).toEqual(expect.any(String));
  });

  it('introspection: sampled, one event per client per minute with the count of the others', async () => {
    // Only opaque tokens are introspected; JWT access tokens are verified by the resource server itself.
    const { access_token: token } = await oidc.clientCredentialsGrant(machine.config, { resource: OPAQUE_API, scope: 'opaque:read' });
    const first = await during(() => oidc.tokenIntrospection(machine.config, token));
    expect(first).toEqual([expect.objectContaining({ type: 'token.introspected', client_id: machine.clientId, detail: { active: true, sampled: true, unrecordedSincePrevious: 0 } })]);
    const quiet = await during(async () => {
      for (let i = 0; i < 3; i += 1) await oidc.tokenIntrospection(machine.config, token);
    });
    expect(quiet).toEqual([]);
    clock.advance(60);
    const next = await only(() => oidc.tokenIntrospection(machine.config, 'unknown-token'));
    expect(next).toMatchObject({ type: 'token.introspected', detail: { active: false, unrecordedSincePrevious: 3 } });
  });

  it('logout: one event, with the grants it ended', async () => {
    // Without offline_access the grant ends with the session (with it, refresh tokens outlive logout).
    const { agent } = await signedIn('openid email');
    const confirmation = await agent.request(`${server.issuer}/session/end?client_id=${web.clientId}`);
    const logout = await only(() =>
      agent.request(UserAgent.action(confirmation, '/session/end/confirm'), { form: { xsrf: UserAgent.field(confirmation, 'xsrf'), logout: 'yes' } }),
    );
    expect(logout).toMatchObject({ type: 'logout', account_id: aliceId, detail: { grantsRevoked: expect.arrayContaining([expect.any(String)]) } });
  });

  it('operator commands: one event each, with the CLI as the actor', async () => {
    const run = async (argv: string[], stdin?: string) => {
      let output = '';
      const row = await only(async () => {
        const result = await runCommand(cli, [...argv, '--json'], stdin);
        expect(result).toMatchObject({ exitCode: 0 });
        output = result.stdout;
      });
      expect(row).toMatchObject({ actor_type: 'system', actor_id: 'cli' });
      return { row, data: JSON.parse(output) };
    };
    const client = await run(['client', 'create', '--name', 'Ops app', '--type', 'machine']);
    expect(client.row).toMatchObject({ type: 'client.created', client_id: client.data.client_id, detail: { name: 'Ops app', type: 'machine' } });
    expect((await run(['client', 'delete', client.data.client_id])).row).toMatchObject({ type: 'client.deleted', client_id: client.data.client_id });
    const user = await run(['user', 'create', '--email', 'carol@example.com']);
    expect(user.row).toMatchObject({ type: 'account.created', account_id: user.data.id });
    expect((await run(['user', 'disable', 'carol@example.com'])).row).toMatchObject({ type: 'account.disabled', account_id: user.data.id });
    const keys = await run(['keys', 'rotate']);
    expect(keys.row).toMatchObject({ type: 'keys.rotated', detail: { added: keys.data.added } });
    const hook = await run(['webhook', 'create', '--url', 'https://hooks.example/x', '--event', 'login.*']);
    expect(hook.row).toMatchObject({ type: 'webhook.created', detail: { webhookId: hook.data.id, eventTypes: ['login.*'] } });
    expect((await run(['webhook', 'delete', hook.data.id])).row).toMatchObject({ type: 'webhook.deleted' });
  });

  it('first-party consent, granted without asking, is one event of its own after the login', async () => {
    const own = await registerClient(server.issuer, server.container, { firstParty: true });
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(own, { scope: 'openid email' });
    const login = await agent.request(start.url.href);
    const rows = await during(() => submitLogin(agent, login, alice.email, alice.password));
    expect(rows.map((row) => row.type)).toEqual(['login.succeeded', 'consent.granted']);
    expect(rows[1]).toMatchObject({ client_id: own.clientId, detail: { firstParty: true } });
  });

  it('a read-only request writes nothing', async () => {
    expect(await during(() => fetch(`${server.issuer}/.well-known/openid-configuration`))).toEqual([]);
    expect(await during(() => fetch(`${server.issuer}/jwks`))).toEqual([]);
  });
});

