import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { EMPTY_CLAIMS_MAPPING, type ClaimsMapping } from '../attributes/claims-mapping.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { KeyService } from '../keys/service.js';
import type { Logger } from '../shared/logger.js';
import { compareHashedClientSecrets } from './client-secret.js';
import { buildProviderConfiguration, type ConfigurationDeps } from './configuration.js';
import { auditProviderEvents } from './events.js';
import { answerOutagesWith503 } from './outages.js';
import { useDerivedClientIp } from './client-ip.js';
import { useAtomicReplayDetection } from './replay-detection.js';
import { installTokenExchange, type TokenExchangeDeps } from './token-exchange.js';

export interface ProviderHolder {
  /** The provider serving requests now; replaced when the signing keys change. */
  current(): Provider;
  /** The claims mapping the current provider was built with. */
  claimsMapping(): ClaimsMapping;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Reloads the keys and swaps in a new provider if they changed; returns whether it did. */
  refreshKeys(): Promise<boolean>;
  /** Reloads the keys and the claims mapping; swaps in a new provider if either changed. */
  refresh(): Promise<boolean>;
  startKeyWatch(intervalMs: number): void;
  stop(): void;
}

/**
 * oidc-provider reads its signing keys, and its `claims` and `scopes`, once, at construction. Keys and
 * the attribute claims mapping live in the database and can be changed by any instance or by the CLI,
 * so each instance watches both fingerprints and builds a new provider when either changes. Every piece of protocol state is in the stores, so the swap loses nothing.
 */
export async function createProviderHolder(deps: {
  base: Omit<ConfigurationDeps, 'secrets' | 'claimsMapping'>;
  /** The attribute claims mapping (scopes → claims), read like the keys: at each build and each check. */
  loadClaimsMapping?: () => Promise<ClaimsMapping>;
  keys: KeyService;
  audit: AuditRecorder;
  logger: Logger;
  /** Installs the token endpoint's rate limit on each provider built. */
  limitTokens?: (provider: Provider) => void;
  /** Further set-up of every provider built (the first, and each after a key change). */
  configure?: (provider: Provider) => void;
  /** RFC 8693 token exchange (token-exchange.ts); the grant type is offered only with these. */
  tokenExchange?: TokenExchangeDeps;
  /** Told of each store outage that turned a protocol request into a 503 (metrics). */
  onOutage?: (error: unknown) => void;
}): Promise<ProviderHolder> {
  const [cookieKey, pairwiseSalt] = await Promise.all([deps.keys.sharedSecret('cookie-key'), deps.keys.sharedSecret('pairwise-salt')]);

  const loadClaimsMapping = deps.loadClaimsMapping ?? (async () => EMPTY_CLAIMS_MAPPING);
  const build = async () => {
    const [keySet, claimsMapping] = await Promise.all([deps.keys.loadKeySet(), loadClaimsMapping()]);
    const provider = new Provider(
      deps.base.config.issuer,
      buildProviderConfiguration({ ...deps.base, claimsMapping, secrets: { jwks: keySet.jwks, cookieKeys: [cookieKey], pairwiseSalt } }),
    );
    // Forwarded headers reach the provider only from trusted proxies (see http/client-address.ts);
    // proxy = true lets it believe their scheme and host. Its client IP is the app's, never theirs.
    provider.proxy = true;
    answerOutagesWith503(provider, deps.onOutage);
    useDerivedClientIp(provider);
    compareHashedClientSecrets(provider);
    useAtomicReplayDetection(provider, deps.base.adapterFactory);
    deps.limitTokens?.(provider);
    if (deps.tokenExchange) installTokenExchange(provider, deps.tokenExchange);
    auditProviderEvents(provider, deps.audit);
    provider.on('server_error', (_ctx, error: Error) => deps.logger.error({ err: error }, 'oidc-provider server error'));
    deps.configure?.(provider);
    return { provider, callback: provider.callback(), fingerprint: keySet.fingerprint, claims: claimsMapping.fingerprint, claimsMapping };
  };

  let active = await build();
  let timer: NodeJS.Timeout | undefined;

  // Both fingerprints are checked together, so a key change and a schema change never race each other.
  const refresh = async () => {
    const [keySet, claimsMapping] = await Promise.all([deps.keys.loadKeySet(), loadClaimsMapping()]);
    if (keySet.fingerprint === active.fingerprint && claimsMapping.fingerprint === active.claims) return false;
    active = await build();
    deps.logger.info({ keys: active.fingerprint, claims: active.claims }, 'signing keys or claims mapping changed; provider reloaded');
    return true;
  };

  return {
    current: () => active.provider,
    claimsMapping: () => active.claimsMapping,
    handle: (req, res) => active.callback(req, res) as Promise<void>,
    refreshKeys: refresh,
    refresh,
    startKeyWatch(intervalMs) {
      timer = setInterval(() => {
        refresh().catch((error: unknown) => deps.logger.warn({ err: error }, 'could not check signing keys and claims mapping'));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
