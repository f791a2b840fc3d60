import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, SignJWT, type CryptoKey } from 'jose';

/** A DPoP proof (RFC 9449 §4.2) made by hand, so a test can send the same one twice or tamper with it. */
export async function dpopProof(
  key: { privateKey: CryptoKey; publicKey: CryptoKey },
  htm: string,
  htu: string,
  options: { accessToken?: string; nonce?: string } = {},
): Promise<string> {
  const jwk = await exportJWK(key.publicKey);
  return new SignJWT({
    htm, htu, jti: randomUUID(),
    ...(options.accessToken ? { ath: createHash('sha256').update(options.accessToken).digest('base64url') } : {}),
    ...(options.nonce ? { nonce: options.nonce } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
    .setIssuedAt()
    .sign(key.privateKey);
}
