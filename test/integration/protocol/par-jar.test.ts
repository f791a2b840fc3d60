import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import * as oidc from 'openid-client';
import { REDIRECT_URI, submitConsent, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import type { TestServer } from '../../support/server.js';
import { startTwoInstances, type TwoInstances } from '../../support/two-instances.js';
import { UserAgent } from '../../support/user-agent.js';
import { clientKey, type ClientKey } from './keys.js';

// Two instances (and, in embedded mode, PGlite starting) on a busy machine.
jest.setTimeout(180_000);

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

/**
 * Pushed authorization requests (RFC 9126) and signed request objects (RFC 9101) on two instances
 * behind a round-robin proxy sharing the stores: a request pushed to one instance is used on the other.
 */
describe('PAR and JAR across two instances', () => {
  let cluster: TwoInstances;
  let instances: TestServer[];
  let issuer: string;
  let key: ClientKey;
  let signer: RegisteredClient;

  const aimAt = (index: number) => cluster.aimAt(index);
  const register = async (options: { requirePar?: boolean; jwks?: ClientKey } = {}): Promise<RegisteredClient> => {
    const { client, clientSecret } = await instances[0].container.clients.createClient({
      name: 'PAR app', type: 'web', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [], firstParty: true,
      requirePar: options.requirePar, ...(options.jwks ? { jwks: { keys: [options.jwks.publicJwk] } } : {}),
    });
    const config = await oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    return { clientId: client.client_id, clientSecret, config };
  };
  const requestParams = async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const params = {
      redirect_uri: REDIRECT_URI, scope: 'openid email', response_type: 'code', state: oidc.randomState(), nonce: oidc.randomNonce(),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    };
    return { params, verifier };
  };
  /** Follows an authorization URL through login (and consent when asked) to the callback, then redeems the code. */
  const complete = async (client: RegisteredClient, url: URL, checks: { verifier: string; state: string; nonce: string }) => {
    const agent = new UserAgent(REDIRECT_URI);
    let page = await agent.request(url.href);
    if (page.body.includes('name="password"')) page = await submitLogin(agent, page, alice.email, alice.password);
    if (page.body.includes('/confirm"')) page = await submitConsent(agent, page);
    return oidc.authorizationCodeGrant(client.config, new URL(page.url), {
      pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true,
    });
  };
  /** The error an authorization request ends in: on the redirect, or on the error page. */
  const authorizationError = async (url: URL | string) => {
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (location) return new URL(location).searchParams.get('error');
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    return (await response.text()).match(/invalid_request_object|invalid_request_uri|invalid_request|unauthorized_client/)?.[0];
  };

  beforeAll(async () => {
    cluster = await startTwoInstances();
    ({ instances, issuer } = cluster);
    await instances[0].container.accounts.createAccount(alice);
    key = await clientKey();
    signer = await register({ jwks: key });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('advertises PAR and signed request objects only (no unsigned ones)', async () => {
    const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.pushed_authorization_request_endpoint).toBe(`${issuer}/request`);
    expect(metadata.require_pushed_authorization_requests ?? false).toBe(false);
    expect(metadata.request_parameter_supported).toBe(true);
    expect(metadata.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
    expect(metadata.request_object_signing_alg_values_supported).not.toContain('none');
  });

  it('uses on one instance a request pushed to the other, once', async () => {
    const client = await register();
    const { params, verifier } = await requestParams();
    await aimAt(0);
    const url = await oidc.buildAuthorizationUrlWithPAR(client.config, params);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    await aimAt(1);
    const tokens = await complete(client, url, { verifier, state: params.state, nonce: params.nonce });
    expect(tokens.id_token).toEqual(expect.any(String));
    for (const index of [0, 1]) {
      await aimAt(index);
      expect(await authorizationError(url)).toBe('invalid_request_uri');
    }
  });

  it('makes a client registered with require_pushed_authorization_requests push its requests', async () => {
    const client = await register({ requirePar: true });
    const { params, verifier } = await requestParams();
    expect(await authorizationError(oidc.buildAuthorizationUrl(client.config, params))).toBe('invalid_request');
    const url = await oidc.buildAuthorizationUrlWithPAR(client.config, params);
    await expect(complete(client, url, { verifier, state: params.state, nonce: params.nonce })).resolves.toMatchObject({ id_token: expect.any(String) });
    const metadata = (await instances[0].container.clients.findClient(client.clientId))!.metadata;
    expect(metadata.require_pushed_authorization_requests).toBe(true);
  });

  it("accepts a request object signed with the client's registered key (openid-client JAR), directly and pushed", async () => {
    const direct = await requestParams();
    const url = await oidc.buildAuthorizationUrlWithJAR(signer.config, direct.params, { key: key.privateKey, kid: key.kid });
    expect(url.searchParams.get('request')).toEqual(expect.any(String));
    await expect(complete(signer, url, { verifier: direct.verifier, state: direct.params.state, nonce: direct.params.nonce })).resolves.toMatchObject({ id_token: expect.any(String) });

    const pushed = await requestParams();
    const { searchParams } = await oidc.buildAuthorizationUrlWithJAR(signer.config, pushed.params, { key: key.privateKey, kid: key.kid });
    const parUrl = await oidc.buildAuthorizationUrlWithPAR(signer.config, searchParams);
    await expect(complete(signer, parUrl, { verifier: pushed.verifier, state: pushed.params.state, nonce: pushed.params.nonce })).resolves.toMatchObject({ id_token: expect.any(String) });
  });

  it('refuses an unsigned request object, one signed by another key, and one from a client with no keys: invalid_request_object', async () => {
    const { params } = await requestParams();
    const claims = { ...params, client_id: signer.clientId, iss: signer.clientId, aud: issuer, jti: randomUUID() };
    const authorize = (clientId: string, request: string) => `${issuer}/auth?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', request })}`;
    const unsigned = new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('5m').encode();
    const stranger = await clientKey(key.kid);
    const otherKey = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'oauth-authz-req+jwt' }).setIssuedAt().setExpirationTime('5m').sign(stranger.privateKey);
    expect(await authorizationError(authorize(signer.clientId, unsigned))).toBe('invalid_request_object');
    expect(await authorizationError(authorize(signer.clientId, otherKey))).toBe('invalid_request_object');
    expect(await authorizationError(authorize(signer.clientId, 'not.a.jwt'))).toBe('invalid_request_object');

    const keyless = await register();
    const signedByKeyless = await new SignJWT({ ...claims, client_id: keyless.clientId, iss: keyless.clientId })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'oauth-authz-req+jwt' }).setIssuedAt().setExpirationTime('5m').sign(key.privateKey);
    expect(await authorizationError(authorize(keyless.clientId, signedByKeyless))).toBe('invalid_request_object');
  });

  it('answers a bad pushed request with the protocol error, never a 500', async () => {
    const push = (body: Record<string, string>) =>
      fetch(`${issuer}/request`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${signer.clientId}:${signer.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      });
    const garbage = await push({ request: 'garbage', client_id: signer.clientId });
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: 'invalid_request_object' });
    const noRedirect = await push({ response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', redirect_uri: 'https://elsewhere.example/cb' });
    expect(noRedirect.status).toBe(400);
    expect(await noRedirect.json()).toMatchObject({ error: expect.stringMatching(/^invalid_/) });
  });
});
