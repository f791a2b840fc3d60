import { createHmac, hkdfSync, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
// No 0/O or 1/I/L: the codes are read off paper.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 10;

/** Ten single-use codes of 10 characters from a 31-letter alphabet: about 49 bits each. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}

/** Accepts the code as people type it: any case, with or without the dash or spaces. */
export function normalizeRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

/**
 * Recovery codes are stored as HMAC-SHA-256 under a key derived from the server secret: a database
 * dump alone does not allow an offline search of the 49-bit space. (A slow hash would cost ten
 * comparisons per attempt; the keyed hash makes that unnecessary.)
 */
export function createRecoveryCodeHasher(serverSecrets: readonly string[]) {
  const keys = serverSecrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'idp-recovery-codes', 'v1', 32)));
  const digest = (key: Buffer, code: string) => createHmac('sha256', key).update(normalizeRecoveryCode(code)).digest('base64url');
  return {
    hash: (code: string) => digest(keys[0], code),
    /** Hashes under every configured secret, newest first, so codes survive a secret rotation. */
    candidates: (code: string) => keys.map((key) => digest(key, code)),
  };
}
