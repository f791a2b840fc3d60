import { createLocalJWKSet, errors as joseErrors, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../shared/clock.js';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'key_ops'] as const;
const KEY_RELOAD_INTERVAL_MS = 5000;

/**
 * The public halves of this server's own signing keys, for verifying the tokens it issued (the
 * admin and check APIs, token exchange). Loaded once; a token signed by a key it does not know (a
 * rotation, here or on another instance) reloads them, at most every few seconds.
 */
export function ownKeySet(deps: { loadSigningKeys(): Promise<JWK[]>; clock: Clock }): JWTVerifyGetKey {
  let keySet: JWTVerifyGetKey | undefined;
  let loadedAt = Number.NEGATIVE_INFINITY;

  async function reloadKeys(): Promise<JWTVerifyGetKey> {
    const keys = (await deps.loadSigningKeys()).map((jwk) => {
      const publicJwk: Record<string, unknown> = { ...jwk };
      for (const member of PRIVATE_JWK_MEMBERS) delete publicJwk[member];
      return publicJwk as JWK;
    });
    keySet = createLocalJWKSet({ keys });
    loadedAt = deps.clock.now().getTime();
    return keySet;
  }

  return async (header, token) => {
    const current = keySet ?? (await reloadKeys());
    try {
      return await current(header, token);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey && deps.clock.now().getTime() - loadedAt > KEY_RELOAD_INTERVAL_MS) {
        return (await reloadKeys())(header, token);
      }
      throw error;
    }
  };
}
