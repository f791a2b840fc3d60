import type Provider from 'oidc-provider';
import { sha256 } from '../shared/digest.js';
import type { AdapterFactory, InsertIfAbsent } from './adapters/types.js';

/**
 * Client assertions (private_key_jwt, RFC 7523 §3 "jti") and DPoP proofs (RFC 9449 §11.1) are
 * single-use. oidc-provider's ReplayDetection.unique looks the jti up and then saves it: two
 * instances handed the same assertion at the same moment can both find nothing and both accept it.
 * Here the check and the write are one atomic insert-if-absent in the shared store (Redis, or SQL
 * in embedded mode), so exactly one request ever wins, on whichever instance.
 */
export function useAtomicReplayDetection(provider: Provider, adapterFactory: AdapterFactory): void {
  const adapter = adapterFactory('ReplayDetection') as ReturnType<AdapterFactory> & Partial<InsertIfAbsent>;
  if (!adapter.insertIfAbsent) throw new Error('the ReplayDetection adapter cannot insert atomically');
  const insertIfAbsent = adapter.insertIfAbsent.bind(adapter);
  Object.defineProperty(provider.ReplayDetection, 'unique', {
    configurable: true,
    // The same id as oidc-provider's own: a hash of issuer (the client) and jti.
    value: async (iss: string, jti: string, exp: number) => {
      const id = sha256(`${iss}${jti}`);
      const now = Math.floor(Date.now() / 1000);
      return insertIfAbsent(id, { iss, iat: now, exp, kind: 'ReplayDetection' } as never, Math.max(1, exp - now));
    },
  });
}
