import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, importJWK, SignJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { runCommand } from '../../../src/cli/run.js';
import { ACR_MFA } from '../../../src/mfa/policy.js';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../../../src/oidc/token-exchange.js';
import type { Clock } from '../../../src/shared/clock.js';
import { apiClient, bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { verifyAccessToken } from '../../support/tokens.js';
import { UserAgent } from '../../support/user-agent.js';
import { REDIRECT_URI } from '../../support/relying-party.js';

/**
 * Issue 18, item 6: RFC 8693 token exchange. The orders service received a person's token for the
 * orders API and exchanges it for a token to call the inventory API on that person's behalf; the
 * inventory service does the same for the shipping API (a chain). The new tokens name their actors
 * (`act`) and never carry more than the subject token's scope ∩ the caller's policy ∩ what the person holds.
 */
const ORDERS = 'https://orders.example.test/api';
const OPAQUE_ORDERS = 'https://orders-opaque.example.test/api';
const INVENTORY = 'https://inventory.example.test/api';
const SHIPPING = 'https://shipping.example.test/api';
const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
const bob = { email: 'bob@example.com', password: 'another horse battery staple' };

/** The server's clock, movable both ways so an expiry test does not leave later tokens looking expired. */
const clock: Clock & { offsetSeconds: number } = { offsetSeconds: 0, now() { return new Date(Date.now() + this.offsetSeconds * 1000); } };

describe('token exchange (RFC 8693)', () => {
  let server: TestServer;
  let admin: ApiClient;
  let web: RegisteredClient;
  let ordersService: RegisteredClient;
  let narrowService: RegisteredClient;
  let inventoryService: RegisteredClient;
  let unlisted: RegisteredClient;
  let spa: RegisteredClient;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    const { container } = server;
    admin = await bootstrapAdmin(server);
    web = await registerClient(server.issuer, container);
    spa = await registerClient(server.issuer, container, { type: 'spa' });
    ordersService = await registerClient(server.issuer, container, { type: 'machine' });
    narrowService = await registerClient(server.issuer, container, { type: 'machine' });
    inventoryService = await registerClient(server.issuer, container, { type: 'machine' });
    unlisted = await registerClient(server.issuer, container, { type: 'machine' });

    const define = (identifier: string, permissions: string[], servers: string[], tokenFormat: 'jwt' | 'opaque' = 'jwt') =>
      container.resources.createResource({ identifier, name: identifier, tokenFormat, resourceServers: servers, permissions: permissions.map((name) => ({ name })) }, TEST_ACTOR);
    const apis = [
      await define(ORDERS, ['orders:read', 'orders:write', 'reports:read'], [ordersService.clientId, narrowService.clientId, unlisted.clientId]),
      await define(OPAQUE_ORDERS, ['orders:read', 'orders:write'], [ordersService.clientId], 'opaque'),
      // The downstream APIs declare the permissions they take from upstream under the same names.
      await define(INVENTORY, ['orders:read', 'orders:write', 'reports:read', 'inventory:admin'], [inventoryService.clientId]),
      await define(SHIPPING, ['orders:read', 'orders:write'], []),
    ];
    const role = await container.roles.createRole({ name: 'staff' }, TEST_ACTOR);
    // Everything on every API except orders:write on the inventory API.
    const held = apis.flatMap((api) => api.permissions.filter((p) => !(api.identifier === INVENTORY && p.name === 'orders:write')).map((p) => p.id));
    await container.roles.addPermissions(role.id, held, TEST_ACTOR);
    for (const person of [alice, bob]) {
      const account = await container.accounts.createAccount({ ...person, emailVerified: true });
      await container.roles.assign(role.id, { type: 'account', id: account.id }, TEST_ACTOR);
      if (person === alice) aliceId = account.id;
      else bobId = account.id;
    }

    // The policies: through the admin API, the CLI and the service.
    expect(await admin.call('PUT', `/admin/api/v1/clients/${ordersService.clientId}/token-exchange`, { targets: [{ resource: INVENTORY }] })).toMatchObject({
      status: 200, body: { client_id: ordersService.clientId, targets: [{ resource: INVENTORY }] },
    });
    const cli = await runCommand(container, ['exchange-policy', 'set', inventoryService.clientId, '--target', SHIPPING, '--json']);
    expect(cli).toMatchObject({ exitCode: 0 });
    expect(JSON.parse(cli.stdout)).toEqual({ client_id: inventoryService.clientId, targets: [{ resource: SHIPPING }] });
    await container.exchangePolicies.setPolicy(narrowService.clientId, [{ resource: INVENTORY, scopes: ['reports:read'] }], TEST_ACTOR);
  });
  afterAll(() => server.close());

  /** A person's token from the web app, for `resource`, through the code flow. */
  async function personToken(person: typeof alice, resource: string, scope: string, agent = new UserAgent(REDIRECT_URI)) {
    const { start, callback } = await signIn(web, person, { scope: `openid ${scope}`, resource, prompt: 'consent' }, agent);
    return (await exchangeCode(web, start, callback.url)).access_token;
  }

  function exchange(caller: RegisteredClient, subjectToken: string, params: Record<string, string> = { resource: INVENTORY }) {
    return oidc.genericGrantRequest(caller.config, TOKEN_EXCHANGE_GRANT, { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, ...params });
  }

  /** The token endpoint's answer to a hand-built request (for parameters openid-client would not send). */
  async function rawExchange(caller: RegisteredClient, body: [string, string][]) {
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${caller.clientId}:${caller.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['grant_type', TOKEN_EXCHANGE_GRANT], ...body]).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  type EventRow = { outcome: string; actor_id: string; account_id: string | null; client_id: string; detail: Record<string, unknown> };
  const exchangeEvents = async (): Promise<EventRow[]> => server.container.vault.reveal(await server.container.db('events').where({ type: 'token.exchanged' }).orderBy('id'));

  it('advertises the grant type in discovery', async () => {
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
    expect(metadata.grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT);
  });

  it("exchanges a person's token for the inventory API: act names the caller, sub the person, permissions narrowed", async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read reports:read');
    const exchanged = await exchange(ordersService, subject);
    expect(exchanged).toMatchObject({ issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'bearer', scope: 'orders:read reports:read' });
    expect(exchanged).not.toHaveProperty('refresh_token');
    const claims = await verifyAccessToken(server.issuer, exchanged.access_token, INVENTORY);
    const original = decodeJwt(subject);
    expect(claims).toMatchObject({
      sub: aliceId, client_id: ordersService.clientId, act: { sub: ordersService.clientId }, origin_client_id: web.clientId,
      // orders:write was not in the subject token; inventory:admin is held but was never delegated.
      scope: 'orders:read reports:read', permissions: ['orders:read', 'reports:read'],
    });
    expect(claims).not.toHaveProperty('acr');
    expect(claims.exp!).toBeLessThanOrEqual(original.exp!);
  });

  it("keeps to the caller's policy when it is narrower than the subject token (intersection)", async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read reports:read');
    const exchanged = await exchange(narrowService, subject);
    expect(exchanged.scope).toBe('reports:read');
    expect(await verifyAccessToken(server.issuer, exchanged.access_token, INVENTORY)).toMatchObject({ permissions: ['reports:read'] });
    await expect(exchange(narrowService, subject, { resource: INVENTORY, scope: 'orders:read' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('gives nothing the person does not hold on the target, and refuses to ask for more than the subject token carries', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read orders:write');
    // orders:write is in the subject token but not held on the inventory API.
    expect((await exchange(ordersService, subject)).scope).toBe('orders:read');
    await expect(exchange(ordersService, subject, { resource: INVENTORY, scope: 'inventory:admin' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('nests act along a chain: the inventory service exchanges the exchanged token for the shipping API', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read');
    const first = await exchange(ordersService, subject);
    const second = await exchange(inventoryService, first.access_token, { audience: SHIPPING });
    expect(await verifyAccessToken(server.issuer, second.access_token, SHIPPING)).toMatchObject({
      sub: aliceId, client_id: inventoryService.clientId, origin_client_id: web.clientId,
      act: { sub: inventoryService.clientId, act: { sub: ordersService.clientId } }, permissions: ['orders:read'],
    });
  });

  it('refuses a target the policy does not name (invalid_target), and a client without a policy (unauthorized_client)', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read');
    await expect(exchange(ordersService, subject, { resource: SHIPPING })).rejects.toMatchObject({ error: 'invalid_target' });
    await expect(exchange(ordersService, subject, { resource: 'https://unknown.example.test/' })).rejects.toMatchObject({ error: 'invalid_target' });
    await expect(exchange(unlisted, subject)).rejects.toMatchObject({ error: 'unauthorized_client' });
  });

  it('refuses a public client, and a client that must get DPoP-bound tokens (exchanged ones are bearer tokens)', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read');
    await expect(exchange(spa, subject)).rejects.toMatchObject({ error: 'unauthorized_client' });
    const { client, clientSecret } = await server.container.clients.createClient({ name: 'DPoP service', type: 'machine', redirectUris: [], postLogoutRedirectUris: [], requireDpop: true });
    await server.container.exchangePolicies.setPolicy(client.client_id, [{ resource: INVENTORY }], TEST_ACTOR);
    const config = await oidc.discovery(new URL(server.issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    await expect(exchange({ clientId: client.client_id, clientSecret, config }, subject)).rejects.toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a subject token issued for an API the caller does not serve (confused deputy)', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read');
    await expect(exchange(inventoryService, subject, { resource: SHIPPING })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an expired subject token', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read');
    clock.offsetSeconds = 2 * 86_400;
    try {
      await expect(exchange(ordersService, subject)).rejects.toMatchObject({ error: 'invalid_grant', error_description: 'the subject token has expired' });
    } finally {
      clock.offsetSeconds = 0;
    }
    expect((await exchange(ordersService, subject)).scope).toBe('orders:read');
  });

  it('refuses a tampered subject token, a client-credentials token, and one that is not ours', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read');
    const [header, payload, signature] = subject.split('.');
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(subject), scope: 'orders:read orders:write reports:read' })).toString('base64url');
    await expect(exchange(ordersService, `${header}.${widened}.${signature}`)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(exchange(ordersService, `${header}.${payload}.${signature.slice(0, -4)}AAAA`)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(exchange(ordersService, 'not-a-token-we-issued')).rejects.toMatchObject({ error: 'invalid_grant' });
    // A client acting as itself has nobody to act for.
    const machine = await oidc.clientCredentialsGrant(ordersService.config, { resource: ORDERS });
    await expect(exchange(ordersService, machine.access_token)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it("ends with the person's grant: a revoked app refuses its tokens and every token exchanged from them", async () => {
    const subject = await personToken(bob, ORDERS, 'orders:read');
    const first = await exchange(ordersService, subject);
    expect((await exchange(inventoryService, first.access_token, { resource: SHIPPING })).scope).toBe('orders:read');
    const provider = server.container.providers.current();
    for (const grant of await server.container.sessionIndex.listGrants(provider, bobId)) {
      if (grant.clientId === web.clientId) await server.container.sessionIndex.revokeGrant(provider, bobId, grant.grantId);
    }
    await expect(exchange(ordersService, subject)).rejects.toMatchObject({ error: 'invalid_grant', error_description: "the person's grant behind the subject token has ended" });
    await expect(exchange(inventoryService, first.access_token, { resource: SHIPPING })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('exchanges opaque subject tokens, and refuses them once revoked', async () => {
    const subject = await personToken(alice, OPAQUE_ORDERS, 'orders:read');
    expect(subject.split('.')).toHaveLength(1);
    const exchanged = await exchange(ordersService, subject);
    expect(await verifyAccessToken(server.issuer, exchanged.access_token, INVENTORY)).toMatchObject({ sub: aliceId, act: { sub: ordersService.clientId }, permissions: ['orders:read'] });
    await oidc.tokenRevocation(web.config, subject);
    await expect(exchange(ordersService, subject)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers bad input with the protocol error, never a 500', async () => {
    const subject = await personToken(alice, ORDERS, 'orders:read');
    const base: [string, string][] = [['subject_token', subject], ['subject_token_type', ACCESS_TOKEN_TYPE], ['resource', INVENTORY]];
    const without = (name: string) => base.filter(([key]) => key !== name);
    const cases: [[string, string][], string][] = [
      [without('subject_token'), 'invalid_request'],
      [without('subject_token_type'), 'invalid_request'],
      [without('resource'), 'invalid_request'],
      [[...without('subject_token_type'), ['subject_token_type', 'urn:ietf:params:oauth:token-type:id_token']], 'invalid_request'],
      [[...base, ['requested_token_type', 'urn:ietf:params:oauth:token-type:refresh_token']], 'invalid_request'],
      [[...base, ['actor_token', subject], ['actor_token_type', ACCESS_TOKEN_TYPE]], 'invalid_request'],
      [[...base, ['resource', SHIPPING]], 'invalid_target'],
      [[...base, ['audience', SHIPPING]], 'invalid_target'],
      [[...without('subject_token'), ['subject_token', 'x'.repeat(20_000)]], 'invalid_request'],
      [[...without('subject_token'), ['subject_token', 'a.b.c']], 'invalid_grant'],
      [[...without('subject_token'), ['subject_token', `${subject.split('.')[0]}.e30.AAAA`]], 'invalid_grant'],
      [[...without('resource'), ['resource', 'not a url']], 'invalid_target'],
      [[...base, ['scope', 'orders:read "quoted"']], 'invalid_scope'],
      [[...base, ['subject_token', subject]], 'invalid_request'],
    ];
    for (const [body, error] of cases) {
      const answer = await rawExchange(ordersService, body);
      expect({ body: body.map(([key]) => key), status: answer.status, error: answer.body.error }).toEqual({ body: body.map(([key]) => key), status: 400, error });
    }
  });

  it('writes one audit event per exchange, granted or refused, without the tokens', async () => {
    const before = (await exchangeEvents()).length;
    const subject = await personToken(alice, ORDERS, 'orders:read');
    const first = await exchange(ordersService, subject);
    await expect(exchange(ordersService, subject, { resource: SHIPPING })).rejects.toMatchObject({ error: 'invalid_target' });
    await expect(exchange(inventoryService, subject, { resource: SHIPPING })).rejects.toMatchObject({ error: 'invalid_grant' });
    const events = (await exchangeEvents()).slice(before);
    expect(events).toMatchObject([
      { outcome: 'success', actor_id: ordersService.clientId, account_id: aliceId, client_id: ordersService.clientId,
        detail: { audience: INVENTORY, subjectClientId: web.clientId, subjectAudience: [ORDERS], scope: 'orders:read', actorChain: [ordersService.clientId] } },
      { outcome: 'failure', client_id: ordersService.clientId, detail: { audience: SHIPPING, error: 'invalid_target' } },
      { outcome: 'failure', client_id: inventoryService.clientId, account_id: aliceId, detail: { audience: SHIPPING, error: 'invalid_grant', reason: 'not_addressed_to_caller' } },
    ]);
    const text = JSON.stringify(events);
    expect(text).not.toContain(subject);
    expect(text).not.toContain(first.access_token);
    expect(await server.container.db('events').where({ type: 'token.issued' }).whereRaw(`detail->>'grantType' = ?`, [TOKEN_EXCHANGE_GRANT])).toEqual([]);
  });

  describe("the policy (admin API and CLI) and the server's own APIs", () => {
    const path = (clientId: string) => `/admin/api/v1/clients/${clientId}/token-exchange`;

    it('reads, refuses what cannot be a policy, and removes it', async () => {
      expect(await admin.call('GET', path(narrowService.clientId))).toMatchObject({ status: 200, body: { targets: [{ resource: INVENTORY, scopes: ['reports:read'] }] } });
      const refused = [
        [{ targets: [{ resource: server.container.systemApis.admin.identifier }] }, 'system-api-target'],
        [{ targets: [{ resource: 'https://nowhere.example.test/' }] }, 'unknown-resource'],
        [{ targets: [{ resource: INVENTORY, scopes: ['inventory:delete'] }] }, 'unknown-permission'],
        [{ targets: [{ resource: INVENTORY }, { resource: INVENTORY }] }, 'duplicate-target'],
        [{ targets: [{ resource: 'not a url' }] }, 'validation-failed'],
        [{ targets: 'all' }, 'validation-failed'],
      ] as const;
      for (const [body, type] of refused) {
        const answer = await admin.call('PUT', path(narrowService.clientId), body);
        expect({ status: answer.status, type: answer.body.type, contentType: answer.headers.get('content-type') }).toEqual({ status: 400, type: `urn:idp:error:${type}`, contentType: expect.stringContaining('application/problem+json') });
      }
      expect(await admin.call('PUT', path(spa.clientId), { targets: [{ resource: INVENTORY }] })).toMatchObject({ status: 400, body: { type: 'urn:idp:error:public-client' } });
      expect(await admin.call('GET', path('no-such-client'))).toMatchObject({ status: 404 });

      const subject = await personToken(alice, ORDERS, 'reports:read');
      expect((await exchange(narrowService, subject)).scope).toBe('reports:read');
      expect(await admin.call('DELETE', path(narrowService.clientId))).toMatchObject({ status: 204 });
      await expect(exchange(narrowService, subject)).rejects.toMatchObject({ error: 'unauthorized_client' });
      expect(await runCommand(server.container, ['exchange-policy', 'show', narrowService.clientId])).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('no token exchange policy') });
      expect(await runCommand(server.container, ['exchange-policy', 'set', narrowService.clientId])).toMatchObject({ exitCode: 2 });
    });

    it("never issues a token for the server's own APIs, even with a policy row written behind the service's back", async () => {
      const adminApi = server.container.systemApis.admin;
      const row = await server.container.resources.findByIdentifier(adminApi.identifier);
      await server.container.db('token_exchange_policies').insert({ client_id: ordersService.clientId, resource_id: row!.id, scopes: null });
      try {
        const subject = await personToken(alice, ORDERS, 'orders:read');
        await expect(exchange(ordersService, subject, { resource: adminApi.identifier })).rejects.toMatchObject({ error: 'invalid_target' });
      } finally {
        await server.container.db('token_exchange_policies').where({ client_id: ordersService.clientId, resource_id: row!.id }).delete();
      }
    });

    it('refuses on the admin API a token carrying act, where the same token without it passes the delegation rule', async () => {
      const { container } = server;
      const adminApi = container.systemApis.admin.identifier;
      const { client } = await container.clients.createClient({ name: 'Console', type: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [], firstParty: true, systemApiDelegation: true });
      const readers = await container.roles.createRole({ name: 'admin readers' }, TEST_ACTOR);
      await container.roles.addPermissions(readers.id, [(await container.resources.findPermission(adminApi, 'admin:read'))!.id], TEST_ACTOR);
      await container.roles.assign(readers.id, { type: 'account', id: aliceId }, TEST_ACTOR);
      const jwk = (await container.keys.loadKeySet()).jwks.find((key) => key.alg === 'RS256' || key.kty === 'RSA') as JWK;
      const key = await importJWK(jwk, 'RS256');
      const sign = (claims: Record<string, unknown>) =>
        new SignJWT({ client_id: client.client_id, scope: 'admin:read', acr: ACR_MFA, ...claims })
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid })
          .setIssuer(server.issuer).setAudience(adminApi).setSubject(aliceId).setIssuedAt().setExpirationTime('5m').setJti(crypto.randomUUID())
          .sign(key);
      expect(await apiClient(server, client.client_id, await sign({})).call('GET', '/admin/api/v1/accounts')).toMatchObject({ status: 200 });
      expect(await apiClient(server, client.client_id, await sign({ act: { sub: ordersService.clientId } })).call('GET', '/admin/api/v1/accounts'))
        .toMatchObject({ status: 403, body: { type: 'urn:idp:error:delegation-not-allowed' } });
    });
  });
});
