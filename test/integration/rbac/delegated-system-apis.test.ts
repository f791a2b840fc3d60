import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { runCommand } from '../../../src/cli/run.js';
import { ACR_MFA } from '../../../src/mfa/policy.js';
import { apiClient, bootstrapAdmin, type ApiClient, type ApiResponse } from '../../support/admin.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, isChallenge, submitCode } from '../../support/mfa.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { exchangeCode, REDIRECT_URI, registerClient, startAuthorization, submitConsent, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { verifyAccessToken } from '../../support/tokens.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

/**
 * Issue 15, item 1: a relying party sent a signed-in administrator to /auth with
 * resource=<ISSUER>/admin/api and no scope, and the token it got was accepted by the admin API with
 * every permission the administrator held. Tokens issued to people now delegate only what was asked
 * for as scope and consented, and the server's own APIs accept them only from a first-party client
 * named for it, after a multi-factor sign-in.
 */
const PASSWORD = 'an administrator password long enough';
const root = { email: 'root@example.com', password: PASSWORD };
const pat = { email: 'pat@example.com', password: PASSWORD };

describe("tokens issued to people for the server's own APIs (admin, check)", () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let ADMIN_API: string;
  let CHECK_API: string;
  let admin: ApiClient;
  let thirdParty: RegisteredClient;
  let console_: RegisteredClient;
  let plainFirstParty: RegisteredClient;
  let totpSecret: string;
  let flagged: ApiResponse;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    const { container } = server;
    ADMIN_API = container.systemApis.admin.identifier;
    CHECK_API = container.systemApis.authz.identifier;
    admin = await bootstrapAdmin(server);
    // Both people are full administrators and may call the check API; only root has a second factor.
    const operators = await container.roles.createRole({ name: 'operators' }, TEST_ACTOR);
    const permissionIds = [];
    for (const [api, name] of [[ADMIN_API, 'admin:read'], [ADMIN_API, 'admin:write'], [CHECK_API, 'authz:check']]) {
      permissionIds.push((await container.resources.findPermission(api, name))!.id);
    }
    await container.roles.addPermissions(operators.id, permissionIds, TEST_ACTOR);
    for (const person of [root, pat]) {
      const account = await container.accounts.createAccount({ ...person, emailVerified: true });
      await container.roles.assign(operators.id, { type: 'account', id: account.id }, TEST_ACTOR);
      if (person === root) {
        totpSecret = (await container.mfa.beginTotpEnrollment(account.id, person.email)).secret;
        expect(await container.mfa.confirmTotpEnrollment(account.id, await currentCode(totpSecret, clock))).toBeDefined();
      }
    }
    thirdParty = await registerClient(server.issuer, container);
    plainFirstParty = await registerClient(server.issuer, container, { firstParty: true });
    console_ = await registerClient(server.issuer, container, { firstParty: true });
    // Named for delegation through the admin API (asserted in the allowed path's test).
    flagged = await admin.call('PATCH', `/admin/api/v1/clients/${console_.clientId}`, { system_api_delegation: true });
  });
  afterAll(() => server.close());

  /**
   * Sends a fresh browser through authorize → password → (second factor) and stops at the consent
   * page if there is one. `consent` decides what happens there.
   */
  async function authorize(client: RegisteredClient, person: typeof root, params: Record<string, string>, consent: 'allow' | 'deny' = 'allow') {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(client, params);
    let page = await submitLogin(agent, await agent.request(start.url.href), person.email, person.password);
    if (isChallenge(page)) {
      clock.advance(30);
      page = await submitCode(agent, page, await currentCode(totpSecret, clock));
    }
    let consentPage: Page | undefined;
    if (page.body.includes('/confirm"')) {
      consentPage = page;
      page = consent === 'allow' ? await submitConsent(agent, page) : await agent.request(UserAgent.action(page, '/deny'), { form: { csrf: UserAgent.field(page, 'csrf') } });
    }
    return { start, callback: page, consentPage, agent };
  }

  async function tokensFor(client: RegisteredClient, person: typeof root, params: Record<string, string>) {
    const flow = await authorize(client, person, params);
    return { ...flow, tokens: await exchangeCode(client, flow.start, flow.callback.url) };
  }

  const listAccounts = (token: string) => apiClient(server, 'caller', token).call('GET', '/admin/api/v1/accounts');
  const createMachineClient = (token: string) => apiClient(server, 'caller', token).call('POST', '/admin/api/v1/clients', { name: 'Backdoor', type: 'machine' });
  const check = (token: string) => apiClient(server, 'caller', token).call('POST', '/api/authz/check', { subject: 'client:nobody', permission: 'anything' });
  const backdoors = async () => (await server.container.clients.listClients()).filter((client) => client.name === 'Backdoor').length;

  describe('the exploit: a third-party client asks for the admin API with no scope', () => {
    it('names the API on the consent page, gets a token without permissions, and the admin API refuses it', async () => {
      const { consentPage, tokens } = await tokensFor(thirdParty, root, { scope: 'openid', resource: ADMIN_API });
      expect(consentPage?.body).toContain(ADMIN_API);
      const claims = await verifyAccessToken(server.issuer, tokens.access_token, ADMIN_API);
      expect(claims).toMatchObject({ sub: expect.any(String), client_id: thirdParty.clientId, permissions: [], acr: ACR_MFA });
      expect(claims).not.toHaveProperty('scope');

      expect(await listAccounts(tokens.access_token)).toMatchObject({ status: 403 });
      expect(await createMachineClient(tokens.access_token)).toMatchObject({ status: 403 });
      expect(await backdoors()).toBe(0);

      // The refresh token brings back neither the rights nor a scope that was never consented.
      const refreshed = await oidc.refreshTokenGrant(thirdParty.config, tokens.refresh_token!);
      expect((await verifyAccessToken(server.issuer, refreshed.access_token, ADMIN_API)).permissions).toEqual([]);
      expect(await listAccounts(refreshed.access_token)).toMatchObject({ status: 403 });
      expect(await createMachineClient(refreshed.access_token)).toMatchObject({ status: 403 });
      await expect(oidc.refreshTokenGrant(thirdParty.config, refreshed.refresh_token!, { scope: 'openid admin:write' })).rejects.toMatchObject({ error: 'invalid_scope' });
      expect(await backdoors()).toBe(0);
    });

    it('refuses a third-party token even when the admin scope was asked for and consented', async () => {
      const { consentPage, tokens } = await tokensFor(thirdParty, root, { scope: 'openid admin:read admin:write', resource: ADMIN_API });
      expect(consentPage?.body).toContain(`${ADMIN_API} (admin:read, admin:write)`);
      expect(await listAccounts(tokens.access_token)).toMatchObject({ status: 403, body: { type: 'urn:idp:error:delegation-not-allowed' } });
      expect(await createMachineClient(tokens.access_token)).toMatchObject({ status: 403 });
      expect(await backdoors()).toBe(0);
    });

    it('refuses a third-party token for the check API, with or without the scope', async () => {
      const bare = await tokensFor(thirdParty, root, { scope: 'openid', resource: CHECK_API });
      expect(bare.consentPage?.body).toContain(CHECK_API);
      expect((await verifyAccessToken(server.issuer, bare.tokens.access_token, CHECK_API)).permissions).toEqual([]);
      expect(await check(bare.tokens.access_token)).toMatchObject({ status: 403 });
      const scoped = await tokensFor(thirdParty, root, { scope: 'openid authz:check', resource: CHECK_API });
      expect(await check(scoped.tokens.access_token)).toMatchObject({ status: 403 });
    });
  });

  describe('the allowed path: a first-party client named for delegation', () => {
    it('works with the permission as scope, consented on a page the person saw, after a second factor', async () => {
      expect(flagged).toMatchObject({ status: 200, body: { first_party: true, system_api_delegation: true } });
      const { consentPage, tokens } = await tokensFor(console_, root, { scope: 'openid admin:read admin:write', resource: ADMIN_API });
      // First-party clients skip the consent page, except for the server's own APIs.
      expect(consentPage?.body).toContain(`${ADMIN_API} (admin:read, admin:write)`);
      expect(await verifyAccessToken(server.issuer, tokens.access_token, ADMIN_API)).toMatchObject({
        scope: 'admin:read admin:write',
        permissions: ['admin:read', 'admin:write'],
        acr: ACR_MFA,
        amr: expect.arrayContaining(['pwd', 'otp', 'mfa']),
        auth_time: expect.any(Number),
      });
      expect(await listAccounts(tokens.access_token)).toMatchObject({ status: 200 });
      const created = await apiClient(server, 'console', tokens.access_token).call('POST', '/admin/api/v1/clients', { name: 'Made by a person', type: 'machine' });
      expect(created.status).toBe(201);
      const refreshed = await oidc.refreshTokenGrant(console_.config, tokens.refresh_token!);
      expect(await listAccounts(refreshed.access_token)).toMatchObject({ status: 200 });
    });

    it('works for the check API too', async () => {
      const { tokens } = await tokensFor(console_, root, { scope: 'openid authz:check', resource: CHECK_API });
      expect(await check(tokens.access_token)).toMatchObject({ status: 200, body: { allowed: false } });
    });
  });

  describe('each missing condition is refused', () => {
    it('refuses a first-party client that is not named for delegation', async () => {
      const { consentPage, tokens } = await tokensFor(plainFirstParty, root, { scope: 'openid admin:read', resource: ADMIN_API });
      expect(consentPage).toBeDefined();
      expect(await listAccounts(tokens.access_token)).toMatchObject({ status: 403, body: { type: 'urn:idp:error:delegation-not-allowed' } });
      const checkToken = (await tokensFor(plainFirstParty, root, { scope: 'openid authz:check', resource: CHECK_API })).tokens.access_token;
      expect(await check(checkToken)).toMatchObject({ status: 403 });
    });

    it('refuses a token without the permission as scope: no scope delegates nothing, admin:read does not write', async () => {
      const bare = await tokensFor(console_, root, { scope: 'openid', resource: ADMIN_API });
      expect((await verifyAccessToken(server.issuer, bare.tokens.access_token, ADMIN_API)).permissions).toEqual([]);
      expect(await listAccounts(bare.tokens.access_token)).toMatchObject({ status: 403, body: { type: 'urn:idp:error:insufficient-permission' } });
      const reader = await tokensFor(console_, root, { scope: 'openid admin:read', resource: ADMIN_API });
      expect(await listAccounts(reader.tokens.access_token)).toMatchObject({ status: 200 });
      expect(await createMachineClient(reader.tokens.access_token)).toMatchObject({ status: 403 });
      const noCheckScope = await tokensFor(console_, root, { scope: 'openid', resource: CHECK_API });
      expect(await check(noCheckScope.tokens.access_token)).toMatchObject({ status: 403 });
      expect(await backdoors()).toBe(0);
    });

    it('issues nothing without consent: denied, or silently asked (prompt=none)', async () => {
      const denied = await authorize(console_, root, { scope: 'openid admin:write', resource: ADMIN_API }, 'deny');
      expect(denied.consentPage).toBeDefined();
      const answer = new URL(denied.callback.url).searchParams;
      expect(answer.get('error')).toBe('access_denied');
      expect(answer.has('code')).toBe(false);

      // Signed in already, the console asks without showing anything: consent is still required.
      const signedIn = await authorize(console_, root, { scope: 'openid' });
      const silent = await startAuthorization(console_, { scope: 'openid admin:write', resource: ADMIN_API, prompt: 'none' });
      const silentAnswer = new URL((await signedIn.agent.request(silent.url.href)).url).searchParams;
      expect(silentAnswer.get('error')).toBe('consent_required');
    });

    it('refuses a delegated token from a sign-in without a second factor (RFC 9470 challenge)', async () => {
      const { tokens } = await tokensFor(console_, pat, { scope: 'openid admin:read', resource: ADMIN_API });
      expect((await verifyAccessToken(server.issuer, tokens.access_token, ADMIN_API)).acr).not.toBe(ACR_MFA);
      const answer = await listAccounts(tokens.access_token);
      expect(answer).toMatchObject({ status: 401, body: { type: 'urn:idp:error:mfa-required' } });
      expect(answer.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"');
      expect(answer.headers.get('www-authenticate')).toContain(`acr_values="${ACR_MFA}"`);
      const checkToken = (await tokensFor(console_, pat, { scope: 'openid authz:check', resource: CHECK_API })).tokens.access_token;
      expect(await check(checkToken)).toMatchObject({ status: 401 });
    });

    it('lets only first-party web, spa or native clients be named for delegation', async () => {
      const notFirstParty = await admin.call('PATCH', `/admin/api/v1/clients/${thirdParty.clientId}`, { system_api_delegation: true });
      expect(notFirstParty).toMatchObject({ status: 400 });
      const machine = await admin.call('POST', '/admin/api/v1/clients', { name: 'Robot', type: 'machine', first_party: true, system_api_delegation: true });
      expect(machine).toMatchObject({ status: 400 });
      expect((await admin.call('GET', `/admin/api/v1/clients/${thirdParty.clientId}`)).body.system_api_delegation).toBe(false);
      const openapi = await (await fetch(`${server.issuer}/admin/api/openapi.json`)).json();
      expect(openapi.components.schemas.Client.properties.system_api_delegation).toMatchObject({ type: 'boolean', description: expect.stringContaining('first-party') });
    });
  });

  it('names a client for delegation from the CLI too (client create / client update), first-party only', async () => {
    const run = (argv: string[]) => runCommand(server.container, [...argv, '--json']);
    const created = await run(['client', 'create', '--name', 'Admin console', '--type', 'spa', '--redirect-uri', 'https://console.example.com/cb', '--first-party', '--system-api-delegation']);
    expect(created.exitCode).toBe(0);
    const clientId = JSON.parse(created.stdout).client_id;
    expect((await server.container.clients.findClient(clientId))?.system_api_delegation).toBe(true);
    const off = await run(['client', 'update', clientId, '--no-system-api-delegation']);
    expect(off.exitCode).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ first_party: true, system_api_delegation: false });
    const thirdPartyOn = await run(['client', 'update', thirdParty.clientId, '--system-api-delegation']);
    expect(thirdPartyOn.exitCode).toBe(1);
    expect(thirdPartyOn.stderr).toContain('first-party');
    expect((await run(['client', 'update', clientId])).exitCode).toBe(2);
  });

  it('keeps client-credentials tokens working: the client acts as itself', async () => {
    expect(await listAccounts(admin.token)).toMatchObject({ status: 200 });
  });
});
