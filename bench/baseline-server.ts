import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { BASELINE, BENCH_ACCOUNT_ID, BENCH_REDIRECT_URI, BENCH_RESOURCES } from './lib/fixtures.js';

/**
 * The baseline: bare oidc-provider with its in-memory adapter, configured like ours where the
 * scenarios meet it (PKCE required, rotating refresh tokens, RFC 8707 resources with JWT or opaque
 * tokens, introspection), with the same keys sizes and algorithms. Its interaction is a stub that
 * signs in a fixed account and grants what was asked: the baseline has no password step.
 * `/bench/noop` answers a fixed JSON body straight from node:http, as the machine's HTTP ceiling.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 0);
  const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;
  const keys = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    keys.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `baseline-${alg}` });
  }

  const configuration: Configuration = {
    clients: [
      {
        client_id: BASELINE.machine.clientId,
        client_secret: BASELINE.machine.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: BASELINE.web.clientId,
        client_secret: BASELINE.web.clientSecret,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [BENCH_REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: keys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: { keys: ['baseline-cookie-key-baseline-cookie-key'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: 'bench@example.test', email_verified: true, name: 'Bench User' }),
    }),
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          const resource = Object.values(BENCH_RESOURCES).find((candidate) => candidate.baseline === indicator);
          if (!resource) throw new Error(`unknown resource ${indicator}`);
          return {
            scope: resource.permissions.join(' '),
            audience: indicator,
            accessTokenTTL: 900,
            accessTokenFormat: resource.format,
            ...(resource.format === 'jwt' ? { jwt: { sign: { alg: resource.alg } } } : {}),
          };
        },
      },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    conformIdTokenClaims: true,
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 900, AuthorizationCode: 60, ClientCredentials: 900, IdToken: 3600, Interaction: 3600, Session: 14 * 86400, Grant: 30 * 86400, RefreshToken: 30 * 86400 },
  };

  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: BENCH_ACCOUNT_ID.baseline } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) }))
      : new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const noop = JSON.stringify({ allowed: true });
  const server = createServer((req, res) => {
    if (req.url === '/bench/noop') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(noop) });
      res.end(noop);
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: Error) => {
        res.statusCode = 500;
        res.end(error.message);
      });
      return;
    }
    void callback(req, res);
  });
  server.keepAliveTimeout = 5000;
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`baseline listening on ${(server.address() as AddressInfo).port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
