import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
/** The full GCM tag: Node's decipher otherwise accepts a tag cut to 4 bytes, forgeable in about 2^32 tries. */
const TAG_BYTES = 16;

/**
 * Authenticated encryption (AES-256-GCM) for values kept at rest: signing keys, cookie keys, TOTP seeds.
 * Each purpose derives its own key from the server secret with HKDF, so one leaked derived key opens
 * nothing else. Secrets are tried newest first, so values sealed under a rotated-out secret still open.
 */
export class SecretBox {
  readonly #keys: Buffer[];

  constructor(serverSecrets: readonly string[], purpose: string) {
    if (serverSecrets.length === 0) throw new Error('SecretBox needs at least one server secret');
    this.#keys = serverSecrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'idp-secret-box', purpose, 32)));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0], iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    const [version, iv, body, tag] = parts;
    // The body is empty when the plaintext was, so only its presence is required.
    if (parts.length !== 4 || version !== VERSION || !iv || !tag) throw new Error('sealed value has an unknown format');
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Wrong key: try the next (older) secret.
      }
    }
    throw new Error('sealed value does not open with any configured SERVER_SECRET');
  }
}
