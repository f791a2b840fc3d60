import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption of one personal value under an account's data key (AES-256-GCM), as stored inside an
 * audit event: `pd1.<iv>.<ciphertext>.<tag>`, base64url. The account id is the associated data, so a
 * ciphertext copied into another account's event does not open there. The value is JSON, so numbers,
 * lists and objects (attribute values) come back with their type.
 */
export const CIPHERTEXT_PREFIX = 'pd1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

export function encryptValue(key: Buffer, accountId: string, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(accountId, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `${CIPHERTEXT_PREFIX}${[iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.')}`;
}

export function isCiphertext(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(CIPHERTEXT_PREFIX);
}

/** The value, or undefined when it does not open with this key (another account's, or damaged). */
export function decryptValue(key: Buffer, accountId: string, sealed: string): unknown {
  const [iv, body, tag, extra] = sealed.slice(CIPHERTEXT_PREFIX.length).split('.');
  if (iv === undefined || body === undefined || !tag || extra !== undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(accountId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
