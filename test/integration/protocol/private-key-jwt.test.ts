import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../../src/cli/run.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { grantClientApi } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { clientAssertion, clientKey, serveJwks, type ClientKey } from './keys.js';

const API = 'https://api.example.test';

describe('private_key_jwt client authentication (RFC 7523)', () => {
  let server: TestServer;
  let admin: ApiClient;
  let key: ClientKey;
  let clientId: string;
  let clientSecret: string;
  const tokenEndpoint = () => `${server.issuer}/token`;

  const discover = (id: string, auth: oidc.ClientAuth) => oidc.discovery(new URL(server.issuer), id, undefined, auth, { execute: [oidc.allowInsecureRequests] });
  /** Posts a client-credentials request with a client assertion, as raw HTTP, to send the same one twice. */
  const postAssertion = (id: string, assertion: string) =>
    fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', resource: API, client_id: id,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
      }),
    });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    key = await clientKey();
    const created = await admin.call('POST', '/admin/api/v1/clients', {
      name: 'Signing robot', type: 'machine', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kid: key.kid }] } });
    clientId = created.body.client_id;
    clientSecret = created.body.client_secret;
    await grantClientApi(server.container, clientId, API, ['things:read']);
  });
  afterAll(() => server?.close());

  it('is advertised in discovery with the algorithms it accepts', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(metadata.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
  });

  it("issues a token to openid-client's PrivateKeyJwt", async () => {
    const config = await discover(clientId, oidc.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }));
    const tokens = await oidc.clientCredentialsGrant(config, { resource: API, scope: 'things:read' });
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('refuses the client secret once the client is registered for private_key_jwt', async () => {
    const response = await fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('accepts an assertion once: the same jti again is refused with invalid_client', async () => {
    const assertion = await clientAssertion(key, clientId, server.issuer);
    expect((await postAssertion(clientId, assertion)).status).toBe(200);
    const replay = await postAssertion(clientId, assertion);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'invalid_client' });
    const events = await server.container.db('events').where({ type: 'token.proof_replay_detected', client_id: clientId });
    expect(events.map((event) => event.detail)).toContainEqual(expect.objectContaining({ proof: 'client_assertion' }));
  });

  it('lets exactly one of two simultaneous uses of an assertion through (atomic replay check)', async () => {
    const assertion = await clientAssertion(key, clientId, server.issuer);
    const statuses = (await Promise.all([postAssertion(clientId, assertion), postAssertion(clientId, assertion), postAssertion(clientId, assertion)])).map((r) => r.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(2);
  });

  it('checks and records a jti in one atomic step in the shared store (oidc-provider alone looks up, then saves)', async () => {
    const { ReplayDetection } = server.container.providers.current() as unknown as { ReplayDetection: { unique(iss: string, jti: string, exp: number): Promise<boolean> } };
    const exp = Math.floor(Date.now() / 1000) + 60;
    const results = await Promise.all([1, 2, 3, 4].map(() => ReplayDetection.unique(clientId, 'same-jti', exp)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await ReplayDetection.unique(clientId, 'same-jti', exp)).toBe(false);
    expect(await ReplayDetection.unique('another-client', 'same-jti', exp)).toBe(true);
  });

  it('refuses an assertion signed by a key the client did not register', async () => {
    const stranger = await clientKey(key.kid);
    const response = await postAssertion(clientId, await clientAssertion(stranger, clientId, server.issuer));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('rotates keys: old and new together, then the new alone, and the old one is refused', async () => {
    const next = await clientKey();
    expect((await admin.call('PATCH', `/admin/api/v1/clients/${clientId}`, { jwks: { keys: [key.publicJwk, next.publicJwk] } })).status).toBe(200);
    expect((await postAssertion(clientId, await clientAssertion(key, clientId, server.issuer))).status).toBe(200);
    expect((await postAssertion(clientId, await clientAssertion(next, clientId, server.issuer))).status).toBe(200);

    expect((await admin.call('PATCH', `/admin/api/v1/clients/${clientId}`, { jwks: { keys: [next.publicJwk] } })).status).toBe(200);
    expect((await postAssertion(clientId, await clientAssertion(next, clientId, server.issuer))).status).toBe(200);
    expect((await postAssertion(clientId, await clientAssertion(key, clientId, server.issuer))).status).toBe(401);
    key = next;
  });

  it('sets and shows the DPoP and PAR requirements through the admin API', async () => {
    const changed = await admin.call('PATCH', `/admin/api/v1/clients/${clientId}`, { dpop_bound_access_tokens: true, require_pushed_authorization_requests: true });
    expect(changed).toMatchObject({ status: 200, body: { dpop_bound_access_tokens: true, require_pushed_authorization_requests: true, token_endpoint_auth_method: 'private_key_jwt' } });
    const back = await admin.call('PATCH', `/admin/api/v1/clients/${clientId}`, { dpop_bound_access_tokens: false, require_pushed_authorization_requests: false });
    expect(back.body).toMatchObject({ dpop_bound_access_tokens: false, require_pushed_authorization_requests: false });
    expect((await admin.call('PATCH', `/admin/api/v1/clients/${clientId}`, { dpop_bound_access_tokens: 'yes' })).status).toBe(400);
  });

  it('fetches a jwks_uri through the outbound guard (a loopback address only because OUTBOUND_ALLOWED_HOSTS lists it)', async () => {
    const uriKey = await clientKey();
    const published = await serveJwks([uriKey.publicJwk]);
    try {
      const created = await admin.call('POST', '/admin/api/v1/clients', { name: 'Remote keys', type: 'machine', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: published.url });
      expect(created.status).toBe(201);
      const id = created.body.client_id as string;
      await grantClientApi(server.container, id, 'https://remote-keys.example.test', ['things:read']);
      const config = await discover(id, oidc.PrivateKeyJwt({ key: uriKey.privateKey, kid: uriKey.kid }));
      await expect(oidc.clientCredentialsGrant(config, { resource: 'https://remote-keys.example.test' })).resolves.toMatchObject({ access_token: expect.any(String) });
    } finally {
      await published.close();
    }
  });

  it('refuses to fetch a jwks_uri whose name resolves to a private address later (rebinding): invalid_client, not a 500', async () => {
    let address = '93.184.215.14'; // public at registration; never dialled
    const rebinding = await startTestServer({ outboundResolver: async () => [address], env: { OUTBOUND_ALLOWED_HOSTS: '' } });
    try {
      const { client } = await rebinding.container.clients.createClient({
        name: 'Rebinding', type: 'machine', redirectUris: [], postLogoutRedirectUris: [], authMethod: 'private_key_jwt', jwksUri: 'http://keys.example.test/jwks.json',
      });
      address = '10.1.2.3';
      const rebindingKey = await clientKey();
      const response = await fetch(`${rebinding.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials', client_id: client.client_id,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await clientAssertion(rebindingKey, client.client_id, rebinding.issuer),
        }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    } finally {
      await rebinding.close();
    }
  });

  it('refuses registrations it cannot honour with a 400 naming the field', async () => {
    const { publicJwk } = key;
    const { d: _never, ...rest } = publicJwk as Record<string, unknown>;
    const withPrivate = { ...rest, d: 'AAAA' };
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', type: 'machine', token_endpoint_auth_method: 'private_key_jwt' }, 'token_endpoint_auth_method'],
      [{ name: 'x', type: 'machine', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [withPrivate] } }, 'jwks'],
      [{ name: 'x', type: 'machine', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'bad', y: 'bad' }] } }, 'jwks'],
      [{ name: 'x', type: 'machine', jwks: { keys: [publicJwk, publicJwk] } }, 'jwks'],
      [{ name: 'x', type: 'machine', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'jwks'],
      [{ name: 'x', type: 'machine', jwks_uri: 'http://10.1.2.3/jwks.json' }, 'jwks_uri'],
      [{ name: 'x', type: 'machine', jwks: { keys: [publicJwk] }, jwks_uri: 'https://keys.example.test/jwks.json' }, 'jwks'],
      [{ name: 'x', type: 'spa', redirect_uris: ['https://app.example.test/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } }, 'token_endpoint_auth_method'],
    ];
    for (const [body, field] of cases) {
      const response = await admin.call('POST', '/admin/api/v1/clients', body);
      expect({ field, status: response.status, detail: response.body?.field ?? response.body?.details?.field }).toMatchObject({ status: 400 });
      expect(JSON.stringify(response.body)).toContain(field);
    }
  });

  it('registers and rotates keys from the CLI (client create / client update --jwks-file)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'idp-jwks-'));
    const run = (argv: string[]) => runCommand(server.container, [...argv, '--json']);
    try {
      const [first, second] = [await clientKey(), await clientKey()];
      const file = (name: string, keys: unknown[]) => {
        writeFileSync(join(folder, name), JSON.stringify({ keys }));
        return join(folder, name);
      };
      const created = await run(['client', 'create', '--name', 'CLI signer', '--type', 'machine', '--auth-method', 'private_key_jwt', '--jwks-file', file('one.json', [first.publicJwk])]);
      expect(created.exitCode).toBe(0);
      const id = JSON.parse(created.stdout).client_id as string;
      await grantClientApi(server.container, id, 'https://cli-keys.example.test', ['things:read']);
      const post = async (signer: ClientKey) =>
        (await fetch(tokenEndpoint(), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials', resource: 'https://cli-keys.example.test', client_id: id,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await clientAssertion(signer, id, server.issuer),
          }),
        })).status;
      expect(await post(first)).toBe(200);
      const rotated = await run(['client', 'update', id, '--jwks-file', file('two.json', [second.publicJwk])]);
      expect(rotated.exitCode).toBe(0);
      expect(JSON.parse(rotated.stdout)).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks_kids: [second.kid] });
      expect(await post(second)).toBe(200);
      expect(await post(first)).toBe(401);
      const privateFile = file('private.json', [{ ...first.publicJwk, d: 'AAAA' }]);
      const refused = await run(['client', 'update', id, '--jwks-file', privateFile]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('private key material');
      expect((await run(['client', 'update', id, '--remove-keys'])).exitCode).toBe(1);
      expect((await run(['client', 'create', '--name', 'x', '--type', 'machine', '--auth-method', 'shared'])).exitCode).toBe(2);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
