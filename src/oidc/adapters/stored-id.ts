import type { AdapterPayload } from 'oidc-provider';
import { sha256 } from '../../shared/digest.js';

/**
 * Opaque tokens, codes and session ids are their own lookup keys, so a store that kept them as-is
 * would hand out live credentials to anyone who can read it. Records are filed under a SHA-256 of
 * the id, and the copy of the id inside the payload (`jti`) is dropped before writing.
 */
export const storageKeyFor = (id: string): string => sha256(id);

export function payloadForStorage(payload: AdapterPayload): AdapterPayload {
  const { jti: _jti, ...rest } = payload;
  return withoutSessionCookie(rest);
}

/**
 * oidc-provider copies the session's id into an Interaction as `session.cookie` and never reads it
 * back (it finds the session by `session.uid`), so storing it would undo the hashing of the Session
 * record. It is dropped, and an interaction read back has no `session.cookie`.
 */
function withoutSessionCookie(payload: AdapterPayload): AdapterPayload {
  const session = (payload as { session?: unknown }).session;
  if (!session || typeof session !== 'object' || !('cookie' in session)) return payload;
  const { cookie: _cookie, ...rest } = session as Record<string, unknown>;
  return { ...payload, session: rest } as AdapterPayload;
}

/**
 * Restores the id into the payload. Lookups by uid or user code do not know the id (only its hash is
 * stored), so those records come back without `jti`: oidc-provider only reads them (a session's
 * account and grants), it never saves them back under that lookup.
 */
export function payloadFromStorage(stored: AdapterPayload, id: string | undefined, consumedAt?: number): AdapterPayload {
  return { ...stored, ...(id === undefined ? {} : { jti: id }), ...(consumedAt ? { consumed: consumedAt } : {}) };
}

/** Models whose records hang off a grant and go when the grant is revoked. */
export const GRANT_BOUND_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);
