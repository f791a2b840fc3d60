import { hkdfSync } from 'node:crypto';

/**
 * The DPoP nonce secret (RFC 9449 §8): oidc-provider derives time-windowed nonces from it, so every
 * instance must hold the same 32 bytes to accept a nonce another instance handed out. Derived from
 * SERVER_SECRET with HKDF under its own label, never the secret itself.
 */
export function dpopNonceSecret(serverSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverSecret, 'idp-dpop', 'nonce-secret', 32));
}
