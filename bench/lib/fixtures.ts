/** Names shared by the benchmark driver, the set-up of our server and the baseline server. */

export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const BENCH_EMAIL = 'bench@example.test';
export const BENCH_PASSWORD = 'correct horse battery staple';
export const BENCH_ACCOUNT_ID = { baseline: 'bench-user' };

/** The baseline's clients are static configuration; ours are registered in set-up. */
export const BASELINE = {
  machine: { clientId: 'bench-machine', clientSecret: 'bench-machine-secret-0123456789abcdef' },
  web: { clientId: 'bench-web', clientSecret: 'bench-web-secret-0123456789abcdef' },
};

/**
 * APIs the client-credentials scenarios ask tokens for. Ours signs every JWT access token with
 * ACCESS_TOKEN_ALG, so its ES256 and RS256 scenarios use one API with the server restarted in
 * between; the baseline picks the algorithm per API.
 */
export const BENCH_RESOURCES = {
  es256: { ours: 'https://api.bench.test/jwt', baseline: 'https://api.bench.test/es256', format: 'jwt', alg: 'ES256', permissions: ['read', 'write'] },
  rs256: { ours: 'https://api.bench.test/jwt', baseline: 'https://api.bench.test/rs256', format: 'jwt', alg: 'RS256', permissions: ['read', 'write'] },
  opaque: { ours: 'https://api.bench.test/opaque', baseline: 'https://api.bench.test/opaque', format: 'opaque', alg: 'ES256', permissions: ['read', 'write'] },
} as const;

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** What a scenario needs to know about one server. */
export interface Target {
  name: 'ours' | 'baseline';
  origin: string;
  machine: ClientCredentials;
  web: ClientCredentials;
  resources: { es256: string; rs256: string; opaque: string };
  /** The check endpoint's subject and permission (ours only). */
  check?: { subject: string; permission: string; resource: string; audience: string };
}

export const basicAuth = (client: ClientCredentials) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
