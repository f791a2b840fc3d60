import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

/**
 * Sealed values for the console's cookies: AES-256-GCM (JWE, `dir`) under a key derived from the
 * shared cookie key, so every instance can open them and nobody else can read or change them. The
 * console session holds the operator's access token; the browser carries it only sealed.
 */
export function createSealer(cookieKey: string, purpose: string) {
  const key = new Uint8Array(hkdfSync('sha256', cookieKey, '', `idp admin console: ${purpose}`, 32));
  return {
    async seal(value: Record<string, unknown>, expiresAt: Date): Promise<string> {
      return new EncryptJWT(value).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setExpirationTime(Math.floor(expiresAt.getTime() / 1000)).encrypt(key);
    },
    /** The sealed value, or undefined when it is missing, tampered with, sealed for another purpose or expired. */
    async open<T>(sealed: string | undefined, now: Date): Promise<T | undefined> {
      if (!sealed) return undefined;
      try {
        const { payload } = await jwtDecrypt(sealed, key, { currentDate: now });
        return payload as T;
      } catch {
        return undefined;
      }
    },
  };
}

export type Sealer = ReturnType<typeof createSealer>;
