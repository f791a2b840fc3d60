import { expect } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import type { RegisteredClient } from './relying-party.js';

/** Verifies an RFC 9068 access token against the issuer's published keys and returns its claims. */
export async function verifyAccessToken(issuer: string, token: string, audience: string): Promise<JWTPayload> {
  expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer, audience, typ: 'at+jwt' });
  return payload;
}

/** A client-credentials token for `resource`, through openid-client. */
export function clientCredentials(client: RegisteredClient, resource: string, scope?: string) {
  return oidc.clientCredentialsGrant(client.config, { resource, ...(scope ? { scope } : {}) });
}
