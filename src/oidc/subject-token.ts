import type Provider from 'oidc-provider';
import { errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { ownKeySet } from '../keys/own-key-set.js';
import type { Clock } from '../shared/clock.js';
import type { ActorClaim } from './exchange-claims.js';

/** An access token of ours, verified as the subject of a token exchange. */
export interface SubjectToken {
  format: 'jwt' | 'opaque';
  accountId: string;
  /** The client the token was issued to. */
  clientId: string;
  audience: string[];
  scopes: Set<string>;
  /** Epoch seconds. */
  expiresAt: number;
  act?: ActorClaim;
  /** The client the person consented to: `client_id`, or for an exchanged token the one it names. */
  originClientId: string;
  /** Known for opaque tokens (their stored record names it). */
  grantId?: string;
}

/** Why a subject token was refused: invalid_grant, with this as the audited reason. */
export class SubjectTokenRefused extends Error {
  constructor(readonly reason: string, readonly description = 'the subject token is not valid') {
    super(reason);
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface StoredAccessToken {
  accountId?: string;
  clientId?: string;
  aud?: string | string[];
  scope?: string;
  exp?: number;
  grantId?: string;
  extra?: { act?: ActorClaim; origin_client_id?: string };
}

function actOf(value: unknown): ActorClaim | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as ActorClaim).sub !== 'string') throw new SubjectTokenRefused('malformed_act');
  return value as ActorClaim;
}

/**
 * Verifies subject tokens the way a resource server would, and more: RFC 9068 JWTs by signature
 * (our keys only), issuer, `typ` at+jwt, algorithm and expiry; opaque tokens by finding them in the
 * store (a revoked or expired one is gone). Only a person's token is a subject: a client acting as
 * itself has nobody to act for. Whether it was addressed to the caller and whether its grant still
 * exists are checked by the caller of this (token-exchange.ts).
 */
export function createSubjectTokenVerifier(deps: { issuer: string; loadSigningKeys(): Promise<JWK[]>; clock: Clock }) {
  const getKey = ownKeySet(deps);

  async function verifyJwt(provider: Provider, value: string): Promise<SubjectToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(value, getKey, {
        issuer: deps.issuer,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
        currentDate: deps.clock.now(),
        requiredClaims: ['exp', 'sub', 'client_id', 'aud'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new SubjectTokenRefused('expired', 'the subject token has expired');
      throw new SubjectTokenRefused('invalid_signature_or_claims');
    }
    const clientId = String(payload.client_id);
    if (payload.sub === clientId) throw new SubjectTokenRefused('not_a_person', 'the subject token was issued to a client acting as itself; there is nobody to act for');
    // A pairwise `sub` names the person only to that client; it cannot be mapped back here.
    const client = await provider.Client.find(clientId);
    if (!client) throw new SubjectTokenRefused('unknown_client');
    if (client.subjectType === 'pairwise') throw new SubjectTokenRefused('pairwise_subject', 'tokens of clients with pairwise subject identifiers cannot be exchanged');
    const act = actOf(payload.act);
    const origin = act ? payload.origin_client_id : clientId;
    if (typeof origin !== 'string') throw new SubjectTokenRefused('malformed_act');
    return {
      format: 'jwt',
      accountId: String(payload.sub),
      clientId,
      audience: [payload.aud ?? []].flat(),
      scopes: new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []),
      expiresAt: payload.exp!,
      ...(act ? { act } : {}),
      originClientId: origin,
    };
  }

  async function findOpaque(provider: Provider, value: string): Promise<SubjectToken> {
    // Found only while it lives: expired, revoked (alone or with its grant) and unknown look the same.
    const token = (await provider.AccessToken.find(value)) as StoredAccessToken | undefined;
    if (!token?.clientId || !token.exp) throw new SubjectTokenRefused('unknown_revoked_or_expired');
    if (!token.accountId) throw new SubjectTokenRefused('not_a_person');
    const act = actOf(token.extra?.act);
    return {
      format: 'opaque',
      accountId: token.accountId,
      clientId: token.clientId,
      audience: [token.aud ?? []].flat(),
      scopes: new Set((token.scope ?? '').split(' ').filter(Boolean)),
      expiresAt: token.exp,
      ...(act ? { act } : {}),
      originClientId: (act ? token.extra?.origin_client_id : undefined) ?? token.clientId,
      ...(token.grantId ? { grantId: token.grantId } : {}),
    };
  }

  return {
    verify(provider: Provider, value: string): Promise<SubjectToken> {
      return JWT_SHAPE.test(value) ? verifyJwt(provider, value) : findOpaque(provider, value);
    },
  };
}

export type SubjectTokenVerifier = ReturnType<typeof createSubjectTokenVerifier>;
