import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';

export interface ClientKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

/** A client's ES256 key pair; the public JWK carries a kid, as a registered key set needs. */
export async function clientKey(kid: string = randomUUID()): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }, kid };
}

/** A private_key_jwt client assertion (RFC 7523 §3) as a client would sign it. */
export async function clientAssertion(key: ClientKey, clientId: string, audience: string, jti = randomUUID()): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(key.privateKey);
}

/** Serves a JWK Set at /jwks.json on 127.0.0.1 (a client's jwks_uri); `keys` can be changed between requests. */
export async function serveJwks(initial: JWK[]): Promise<{ url: string; keys: JWK[]; close(): Promise<void> }> {
  const state = { keys: initial };
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get keys() { return state.keys; },
    set keys(value: JWK[]) { state.keys = value; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
