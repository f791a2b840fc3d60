import { importJWK, type JWK } from 'jose';

/** A client's registered public keys (RFC 7591 `jwks`). */
export interface ClientJwks {
  keys: JWK[];
}

/** Members that only a private or symmetric key has: a client registers its public keys only. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MAX_KEYS = 10;
/** The algorithms a client may sign with here (configuration.ts, clientAuth/requestObject algs). */
const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

/**
 * Why `jwks` cannot be registered as a client's keys, or undefined if it can. Each key must be a
 * public RSA, EC or OKP key that parses, and keys must be told apart by `kid` when there are several
 * (rotation keeps the old and the new key registered together until the client has switched).
 */
export async function problemWithClientJwks(jwks: unknown): Promise<string | undefined> {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) return 'must be a JWK Set: { "keys": [ ... ] }';
  const { keys } = jwks as { keys: unknown[] };
  if (keys.length === 0) return 'must hold at least one key';
  if (keys.length > MAX_KEYS) return `may hold at most ${MAX_KEYS} keys`;
  const kids = new Set<string>();
  for (const [index, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null) return `key ${index} is not a JWK`;
    const jwk = key as JWK;
    if (!KEY_TYPES.has(String(jwk.kty))) return `key ${index}: kty must be RSA, EC or OKP`;
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) return `key ${index} has private key material: register the public key only`;
    if (jwk.use !== undefined && jwk.use !== 'sig') return `key ${index}: only signing keys (use "sig") are used`;
    if (keys.length > 1) {
      if (typeof jwk.kid !== 'string' || !jwk.kid) return `key ${index} needs a kid when several keys are registered`;
      if (kids.has(jwk.kid)) return `key ${index}: kid ${jwk.kid} is registered twice`;
      kids.add(jwk.kid);
    }
    try {
      // The alg only picks how to read the key; a client may sign with any algorithm its key type allows.
      const alg = jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'OKP' ? 'EdDSA' : ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[String(jwk.crv)];
      if (!alg) return `key ${index}: unsupported curve ${String(jwk.crv)}`;
      await importJWK(jwk, alg);
    } catch {
      return `key ${index} is not a valid ${jwk.kty} public key`;
    }
  }
  return undefined;
}

/** Keeps only the members of each key that describe its public part and use. */
export function publicJwks(jwks: ClientJwks): ClientJwks {
  const allowed = new Set(['kty', 'kid', 'use', 'alg', 'crv', 'x', 'y', 'n', 'e', 'x5c', 'x5t', 'x5t#S256']);
  return { keys: jwks.keys.map((key) => Object.fromEntries(Object.entries(key).filter(([name]) => allowed.has(name))) as JWK) };
}
