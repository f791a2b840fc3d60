import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as oidc from 'openid-client';
import { bootstrapAdmin } from '../../support/admin.js';
import { REDIRECT_URI, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import type { TestServer } from '../../support/server.js';
import { startTwoInstances, type TwoInstances } from '../../support/two-instances.js';
import { dpopProof } from './dpop-proofs.js';

// Two instances (and, in embedded mode, PGlite starting) on a busy machine.
jest.setTimeout(180_000);

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
type KeyPair = Awaited<ReturnType<typeof oidc.randomDPoPKeyPair>>;

/**
 * DPoP (RFC 9449) on two instances behind a round-robin proxy sharing one database (and one Redis
 * when REDIS_URL is set): proofs are single-use on every instance, and a nonce one instance hands
 * out is accepted by the other.
 */
describe('DPoP sender-constrained tokens across two instances', () => {
  let cluster: TwoInstances;
  let instances: TestServer[];
  let issuer: string;
  let spa: RegisteredClient;
  let key: KeyPair;
  let other: KeyPair;
  let tokens: oidc.TokenEndpointResponse;

  const aimAt = (index: number) => cluster.aimAt(index);
  const userinfo = (headers: Record<string, string>) => fetch(`${issuer}/me`, { headers });
  const dpopUserinfo = async (accessToken: string, signer: KeyPair, nonce?: string) =>
    userinfo({ authorization: `DPoP ${accessToken}`, dpop: await dpopProof(signer, 'GET', `${issuer}/me`, { accessToken, nonce }) });
  const refresh = (refreshToken: string, proof: string) =>
    fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: spa.clientId }),
    });
  const codeGrant = async (client: RegisteredClient, options?: oidc.DPoPOptions) => {
    const { start, callback } = await signIn(client, alice);
    return oidc.authorizationCodeGrant(
      client.config, new URL(callback.url),
      { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce, idTokenExpected: true }, undefined, options,
    );
  };

  beforeAll(async () => {
    cluster = await startTwoInstances();
    ({ instances, issuer } = cluster);
    await instances[0].container.accounts.createAccount(alice);
    spa = await registerClient(issuer, instances[0].container, { type: 'spa' });
    key = await oidc.randomDPoPKeyPair('ES256');
    other = await oidc.randomDPoPKeyPair('ES256');
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('is advertised in discovery', async () => {
    const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
  });

  it("binds a public client's tokens to its key (openid-client's DPoP handle); userinfo needs a proof of that key", async () => {
    tokens = await codeGrant(spa, { DPoP: oidc.getDPoPHandle(spa.config, key) });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const claims = await oidc.fetchUserInfo(spa.config, tokens.access_token, oidc.skipSubjectCheck, { DPoP: oidc.getDPoPHandle(spa.config, key) });
    expect(claims.sub).toEqual(expect.any(String));

    const asBearer = await userinfo({ authorization: `Bearer ${tokens.access_token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toContain('invalid_token');
    const otherKey = await dpopUserinfo(tokens.access_token, other);
    expect(otherKey.status).toBe(401);
    expect(otherKey.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('refuses a proof used once already, on the other instance and on the same one', async () => {
    const proof = await dpopProof(key, 'GET', `${issuer}/me`, { accessToken: tokens.access_token });
    const send = () => userinfo({ authorization: `DPoP ${tokens.access_token}`, dpop: proof });
    await aimAt(0);
    expect((await send()).status).toBe(200);
    await aimAt(1);
    const replayElsewhere = await send();
    expect(replayElsewhere.status).toBe(401);
    expect(replayElsewhere.headers.get('www-authenticate')).toContain('invalid_token');
    await aimAt(0);
    expect((await send()).status).toBe(401);
  });

  it('accepts on one instance a DPoP nonce the other handed out, and refuses a made-up nonce', async () => {
    await aimAt(0);
    const first = await dpopUserinfo(tokens.access_token, key);
    expect(first.status).toBe(200);
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toEqual(expect.any(String));
    await aimAt(1);
    expect((await dpopUserinfo(tokens.access_token, key, nonce!)).status).toBe(200);
    const forged = await dpopUserinfo(tokens.access_token, key, 'not-a-nonce-from-this-server');
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('use_dpop_nonce');
  });

  it("binds a public client's refresh token: only a proof of the same key refreshes it, each proof once", async () => {
    const proof = await dpopProof(key, 'POST', `${issuer}/token`);
    const refreshed = await refresh(tokens.refresh_token!, proof);
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as oidc.TokenEndpointResponse;
    expect(rotated.token_type).toBe('DPoP');

    const replayed = await refresh(rotated.refresh_token!, proof);
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ error: 'invalid_grant' });
    const events = await instances[0].container.db('events').where({ type: 'token.proof_replay_detected', client_id: spa.clientId });
    expect(events.map((event) => event.detail)).toContainEqual(expect.objectContaining({ proof: 'dpop_proof', grantType: 'refresh_token' }));

    const wrongKey = await refresh(rotated.refresh_token!, await dpopProof(other, 'POST', `${issuer}/token`));
    expect(wrongKey.status).toBe(400);
    expect(await wrongKey.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers a malformed proof with invalid_dpop_proof, never a 500', async () => {
    for (const proof of ['garbage', 'a.b.c', await dpopProof(key, 'GET', `${issuer}/token`), await dpopProof(key, 'POST', 'https://elsewhere.example/token')]) {
      const answer = await refresh('whatever', proof);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    }
  });

  it('makes a client registered with dpop_bound_access_tokens use DPoP; introspection shows the binding (cnf.jkt)', async () => {
    const { client, clientSecret } = await instances[0].container.clients.createClient({
      name: 'Bound web app', type: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [], requireDpop: true,
    });
    const config = await oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    const web: RegisteredClient = { clientId: client.client_id, clientSecret, config };
    await expect(codeGrant(web)).rejects.toMatchObject({ error: 'invalid_grant' });
    const bound = await codeGrant(web, { DPoP: oidc.getDPoPHandle(config, key) });
    expect(bound.token_type.toLowerCase()).toBe('dpop');
    const introspection = await oidc.tokenIntrospection(config, bound.access_token);
    expect(introspection).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await calculateJwkThumbprint(await exportJWK(key.publicKey)) } });
  });

  it("refuses a DPoP-bound token presented as a bearer token to the server's own APIs", async () => {
    const admin = await bootstrapAdmin({ ...instances[0], issuer });
    const config = await oidc.discovery(new URL(issuer), admin.clientId, undefined, oidc.ClientSecretBasic(admin.secret), { execute: [oidc.allowInsecureRequests] });
    const audience = instances[0].container.systemApis.admin.identifier;
    const bound = await oidc.clientCredentialsGrant(config, { resource: audience }, { DPoP: oidc.getDPoPHandle(config, key) });
    expect(bound.token_type.toLowerCase()).toBe('dpop');
    const answer = await fetch(`${issuer}/admin/api/v1/clients`, { headers: { authorization: `Bearer ${bound.access_token}` } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('invalid_token');
  });
});
