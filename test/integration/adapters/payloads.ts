import { randomBytes } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';

/** A value shaped like oidc-provider's ids: unguessable, unique per call, easy to search for in a dump. */
export const newId = (label = 'id'): string => `${label}-${randomBytes(16).toString('base64url')}`;

export const ACCOUNT_ID = 'account-7f3c9d';
const CLIENT_ID = 'client-contract';
const iat = 1_900_000_000;

/** Payloads shaped like what oidc-provider hands to upsert (see its example/my_adapter.js). */
export function accessToken(jti: string, grantId: string): AdapterPayload {
  return {
    jti,
    kind: 'AccessToken',
    iat,
    exp: iat + 3600,
    accountId: ACCOUNT_ID,
    clientId: CLIENT_ID,
    grantId,
    gty: 'authorization_code',
    scope: 'openid email',
    sessionUid: 'session-uid-contract',
    expiresWithSession: true,
  };
}

export function authorizationCode(jti: string, grantId: string): AdapterPayload {
  return {
    jti,
    kind: 'AuthorizationCode',
    iat,
    exp: iat + 60,
    accountId: ACCOUNT_ID,
    clientId: CLIENT_ID,
    grantId,
    scope: 'openid',
    redirectUri: 'https://rp.example/callback',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
  };
}

export function refreshToken(jti: string, grantId: string): AdapterPayload {
  return { ...accessToken(jti, grantId), kind: 'RefreshToken', rotations: 0, iiat: iat };
}

export function session(jti: string, uid: string): AdapterPayload {
  return {
    jti,
    uid,
    kind: 'Session',
    iat,
    exp: iat + 1_209_600,
    accountId: ACCOUNT_ID,
    loginTs: iat,
    authorizations: { [CLIENT_ID]: { sid: 'sid-contract', grantId: 'grant-of-session', persistsLogout: true } },
  };
}

/** oidc-provider copies the session's id into the interaction as `session.cookie`. */
export function interaction(jti: string, sessionId: string, sessionUid: string): AdapterPayload {
  return {
    jti,
    kind: 'Interaction',
    iat,
    exp: iat + 3600,
    returnTo: `https://idp.example/auth/${jti}`,
    prompt: { name: 'consent', reasons: ['op_scopes_missing'], details: {} },
    params: { client_id: CLIENT_ID, scope: 'openid' },
    session: { accountId: ACCOUNT_ID, uid: sessionUid, cookie: sessionId },
  } as AdapterPayload;
}

export function deviceCode(jti: string, userCode: string, grantId: string): AdapterPayload {
  return {
    jti,
    kind: 'DeviceCode',
    iat,
    exp: iat + 600,
    clientId: CLIENT_ID,
    userCode,
    grantId,
    params: { client_id: CLIENT_ID, scope: 'openid' },
  };
}

/** What a lookup that cannot know the id (by uid or user code) gives back: the payload without jti. */
export function withoutJti(payload: AdapterPayload): AdapterPayload {
  const { jti: _jti, ...rest } = payload;
  return rest;
}
