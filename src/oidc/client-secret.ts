import type Provider from 'oidc-provider';
import { constantTimeEqual, sha256 } from '../shared/digest.js';

/**
 * Clients are stored with a SHA-256 of their secret, never the secret, so a database dump does not
 * hand out usable credentials. The secrets are 256-bit random values: a fast hash is enough, no
 * password-style stretching is needed. oidc-provider compares whatever `client_secret` holds with
 * what the client sent; here it hashes what was sent first.
 * (This also rules out client_secret_jwt and HS* signing, which need the secret in clear.)
 */
export function compareHashedClientSecrets(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    clientSecret?: string;
    compareClientSecret(actual: string): boolean;
  };
  prototype.compareClientSecret = function compareClientSecret(actual: string) {
    return typeof this.clientSecret === 'string' && typeof actual === 'string' && constantTimeEqual(this.clientSecret, sha256(actual));
  };
}
