import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Clock } from '../shared/clock.js';
import { SecretBox } from '../shared/secret-box.js';
import type { KeyQueries } from './queries.js';

/** RS256 is what OIDC Core §15.1 requires every provider to support; ES256 signs access tokens by default. */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface KeySet {
  /** Private JWKs for oidc-provider: newest first; retired keys may only verify. */
  jwks: JWK[];
  /** Changes whenever a key is added or removed, so instances can notice a rotation. */
  fingerprint: string;
}

/** The members of an RSA or EC public JWK (RFC 7518 §6.2.1, §6.3.1) and its metadata: `d`, `p`, `q`, … never pass. */
const PUBLIC_JWK_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use']);

/** A signing key as the admin API lists it: never its private half. */
export interface SigningKeyView {
  kid: string;
  alg: string;
  /** active: signs new tokens; retired: only verifies what it signed until `remove_after`. */
  status: 'active' | 'retired';
  public_jwk: Record<string, unknown>;
  created_at: Date;
  retired_at: Date | null;
  remove_after: Date | null;
}

export function createKeyService(deps: {
  queries: KeyQueries;
  serverSecrets: readonly string[];
  clock: Clock;
  /** How long a retired key stays in JWKS: the longest lifetime of anything it signed. */
  retentionSeconds: number;
}) {
  const { queries } = deps;
  const keyBox = new SecretBox(deps.serverSecrets, 'signing-keys');
  const secretBox = new SecretBox(deps.serverSecrets, 'provider-secrets');

  async function addKey(alg: SigningAlgorithm): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
    await queries.insertSigningKey({
      kid,
      alg,
      public_jwk: { ...publicJwk, kid, alg, use: 'sig' },
      private_jwk_sealed: keyBox.seal(JSON.stringify(privateJwk)),
      created_at: deps.clock.now(),
    });
    return kid;
  }

  async function loadKeySet(): Promise<KeySet> {
    const rows = await queries.listPublishedKeys(deps.clock.now());
    const jwks = rows.map((row) => {
      const jwk = JSON.parse(keyBox.open(row.private_jwk_sealed)) as JWK;
      return row.retired_at ? { ...jwk, key_ops: ['verify'] } : jwk;
    });
    return { jwks, fingerprint: rows.map((row) => `${row.kid}:${row.retired_at ? 'r' : 'a'}`).join(',') };
  }

  return {
    loadKeySet,

    /**
     * The keys published in JWKS, newest first, as an operator sees them: the public half only (the
     * sealed private half never leaves this module), and whether each still signs or only verifies.
     */
    async listSigningKeys(): Promise<SigningKeyView[]> {
      const rows = await queries.listPublishedKeys(deps.clock.now());
      return rows.map((row) => ({
        kid: row.kid,
        alg: row.alg,
        status: row.retired_at ? 'retired' : 'active',
        public_jwk: Object.fromEntries(Object.entries(row.public_jwk).filter(([member]) => PUBLIC_JWK_MEMBERS.has(member))),
        created_at: row.created_at,
        retired_at: row.retired_at,
        remove_after: row.remove_after,
      }));
    },

    /** Creates the first key of each algorithm on a fresh database; a no-op afterwards. */
    async ensureSigningKeys(): Promise<string[]> {
      const existing = await queries.listPublishedKeys(deps.clock.now());
      const created: string[] = [];
      for (const alg of SIGNING_ALGORITHMS) {
        if (!existing.some((row) => row.alg === alg && !row.retired_at)) created.push(await addKey(alg));
      }
      return created;
    },

    /**
     * Adds a new active key per algorithm. The previous keys stop signing at once but stay in JWKS
     * for `retentionSeconds`, so every token they signed keeps verifying until it expires.
     */
    async rotateSigningKeys(): Promise<{ added: string[] }> {
      const now = deps.clock.now();
      const removeAfter = new Date(now.getTime() + deps.retentionSeconds * 1000);
      const added: string[] = [];
      for (const alg of SIGNING_ALGORITHMS) {
        const kid = await addKey(alg);
        await queries.retireActiveKeys(alg, kid, now, removeAfter);
        added.push(kid);
      }
      return { added };
    },

    /** A named random secret shared by every instance (cookie keys, pairwise salt), created once. */
    async sharedSecret(name: string): Promise<string> {
      const sealed = (await queries.findSecret(name)) ?? (await queries.insertSecretOnce(name, secretBox.seal(randomBytes(32).toString('base64url'))));
      return secretBox.open(sealed);
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
