import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { startTestServer, TEST_SERVER_SECRET, type TestServer } from '../../support/server.js';
import { grantClientApi } from '../../support/rbac.js';
import { registerClient, type RegisteredClient } from '../../support/relying-party.js';

const API = 'https://api.example.test';

describe('signing keys', () => {
  let server: TestServer;
  let machine: RegisteredClient;
  const jwks = async () => (await (await fetch(`${server.issuer}/jwks`)).json()) as JSONWebKeySet;

  beforeAll(async () => {
    server = await startTestServer();
    machine = await registerClient(server.issuer, server.container, { type: 'machine' });
    await grantClientApi(server.container, machine.clientId, API, ['read']);
  });
  afterAll(() => server.close());

  it('publishes one RS256 and one ES256 public key, and no private material', async () => {
    const { keys } = await jwks();
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });

  it('stores private keys encrypted under the server secret', async () => {
    const rows = await server.container.db('signing_keys').select('private_jwk_sealed');
    for (const row of rows) {
      expect(row.private_jwk_sealed).toMatch(/^v1\./);
      expect(row.private_jwk_sealed).not.toContain('"d"');
    }
    expect(JSON.stringify(rows)).not.toContain(TEST_SERVER_SECRET);
  });

  it('rotates: new tokens use the new key, tokens signed before keep verifying with the published JWKS', async () => {
    const before = await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'read' });
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const { added } = await server.container.keys.rotateSigningKeys();
    expect(await server.container.providers.refreshKeys()).toBe(true);
    const after = await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'read' });
    const newKid = decodeProtectedHeader(after.access_token).kid;
    expect(added).toContain(newKid);
    expect(newKid).not.toBe(oldKid);
    const published = createLocalJWKSet(await jwks());
    await jwtVerify(before.access_token, published, { audience: API, issuer: server.issuer });
    await jwtVerify(after.access_token, published, { audience: API, issuer: server.issuer });
  });

  it('drops a retired key from JWKS once everything it signed has expired', async () => {
    // Its own rotation, so that retired keys are published (and then dropped) whatever ran before.
    const { added } = await server.container.keys.rotateSigningKeys();
    await server.container.providers.refreshKeys();
    const retired = (await server.container.db('signing_keys').whereNotNull('retired_at').select('kid')).map((row: { kid: string }) => row.kid);
    expect(retired.length).toBeGreaterThanOrEqual(2);
    const published = (await jwks()).keys.map((key) => key.kid);
    expect(published).toEqual(expect.arrayContaining([...added, ...retired]));

    await server.container.db('signing_keys').whereNotNull('retired_at').update({ remove_after: new Date(Date.now() - 1000) });
    await server.container.providers.refreshKeys();
    const { keys } = await jwks();
    expect(keys.map((key) => key.kid).sort()).toEqual([...added].sort());
  });
});
