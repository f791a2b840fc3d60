import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { grantClientApi } from '../../support/rbac.js';
import { registerClient, type RegisteredClient } from '../../support/relying-party.js';

const API = 'https://api.example.test';
const OPAQUE_API = 'https://opaque.example.test';

describe('client credentials with resource indicators', () => {
  let server: TestServer;
  let machine: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer();
    machine = await registerClient(server.issuer, server.container, { type: 'machine' });
    await grantClientApi(server.container, machine.clientId, API, ['things:read', 'things:write']);
    await grantClientApi(server.container, machine.clientId, OPAQUE_API, ['opaque:read'], { tokenFormat: 'opaque' });
  });
  afterAll(() => server.close());

  it('issues an RFC 9068 JWT for the requested resource, signed ES256 and verifiable with the JWKS', async () => {
    const tokens = await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, audience: API, typ: 'at+jwt' });
    expect(payload).toMatchObject({ client_id: machine.clientId, scope: 'things:read', sub: machine.clientId });
    expect(payload.exp! - payload.iat!).toBe(900);
  });

  it('signs with RS256 when ACCESS_TOKEN_ALG=RS256', async () => {
    const rsServer = await startTestServer({ env: { ACCESS_TOKEN_ALG: 'RS256' } });
    try {
      const client = await registerClient(rsServer.issuer, rsServer.container, { type: 'machine' });
      await grantClientApi(rsServer.container, client.clientId, API, ['things:read']);
      const tokens = await oidc.clientCredentialsGrant(client.config, { resource: API, scope: 'things:read' });
      expect(decodeProtectedHeader(tokens.access_token).alg).toBe('RS256');
      await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${rsServer.issuer}/jwks`)), { audience: API });
    } finally {
      await rsServer.close();
    }
  });

  it('refuses an unknown resource with invalid_target', async () => {
    await expect(oidc.clientCredentialsGrant(machine.config, { resource: 'https://unknown.example.test' })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('drops scopes the resource does not define', async () => {
    const tokens = await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read admin:everything' });
    expect(tokens.scope).toBe('things:read');
  });

  it('issues opaque tokens for an opaque resource, which introspection describes to an authenticated client', async () => {
    const tokens = await oidc.clientCredentialsGrant(machine.config, { resource: OPAQUE_API, scope: 'opaque:read' });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const introspection = await oidc.tokenIntrospection(machine.config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: machine.clientId, scope: 'opaque:read', aud: OPAQUE_API });
  });

  it('refuses introspection without client authentication', async () => {
    const tokens = await oidc.clientCredentialsGrant(machine.config, { resource: OPAQUE_API, scope: 'opaque:read' });
    const anonymous = await fetch(`${server.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(anonymous.status).toBe(400);
    expect(await anonymous.json()).toMatchObject({ error: 'invalid_request' });
    const wrongSecret = await fetch(`${server.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${machine.clientId}:wrong`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(wrongSecret.status).toBe(401);
  });

  it('revokes an opaque token for its client, after which introspection reports it inactive', async () => {
    const tokens = await oidc.clientCredentialsGrant(machine.config, { resource: OPAQUE_API, scope: 'opaque:read' });
    await oidc.tokenRevocation(machine.config, tokens.access_token);
    expect((await oidc.tokenIntrospection(machine.config, tokens.access_token)).active).toBe(false);
  });

  it('refuses the password grant and a grant type the client was not registered for', async () => {
    const basic = `Basic ${Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString('base64')}`;
    const post = (body: Record<string, string>) =>
      fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: new URLSearchParams(body),
      });
    const password = await post({ grant_type: 'password', username: 'a', password: 'b' });
    expect(password.status).toBe(400);
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const code = await post({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://127.0.0.1:9/callback' });
    expect(await code.json()).toMatchObject({ error_description: 'requested grant type is not allowed for this client' });
  });

  it('records each issued token in the event log without the token itself', async () => {
    const tokens = await oidc.clientCredentialsGrant(machine.config, { resource: API, scope: 'things:read' });
    const events = await server.container.db('events').where({ type: 'token.issued', client_id: machine.clientId });
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1).detail).toMatchObject({ grantType: 'client_credentials', scope: 'things:read', audience: API });
    expect(JSON.stringify(events)).not.toContain(tokens.access_token);
  });
});
