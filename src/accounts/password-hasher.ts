import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** True when the hash was made at another cost, so login can upgrade it. */
  needsRehash(hash: string): boolean;
  /** Spends the time of one verify, for unknown accounts, so timing does not reveal which exist. */
  decoyVerify(password: string): Promise<void>;
}

/**
 * bcrypt reads only the first 72 bytes of its input, so two long passwords sharing a prefix would
 * collide. Every password is therefore first reduced to a fixed 44-character SHA-256 digest in
 * base64 (no NUL bytes, which bcrypt would also stop at). The pre-hash is unkeyed on purpose:
 * a pepper tied to SERVER_SECRET would make rotating that secret lock every user out.
 * Passwords are NFKC-normalised first (NIST SP 800-63B §5.1.1.2), so the same typed characters
 * always hash alike.
 */
export function createBcryptHasher(cost: number): PasswordHasher {
  const prehash = (password: string) => createHash('sha256').update(password.normalize('NFKC'), 'utf8').digest('base64');
  let decoyHash: Promise<string> | undefined;
  return {
    hash: (password) => bcrypt.hash(prehash(password), cost),
    verify: async (password, hash) => {
      try {
        return await bcrypt.compare(prehash(password), hash);
      } catch {
        return false;
      }
    },
    needsRehash: (hash) => bcrypt.getRounds(hash) !== cost,
    decoyVerify: async (password) => {
      decoyHash ??= bcrypt.hash('decoy-password-never-matches', cost);
      await bcrypt.compare(prehash(password), await decoyHash);
    },
  };
}
