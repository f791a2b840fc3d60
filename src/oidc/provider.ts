import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import type { AuditRecorder } from '../audit/recorder.js';
import type { KeyService } from '../keys/service.js';
import type { Logger } from '../shared/logger.js';
import { compareHashedClientSecrets } from './client-secret.js';
import { buildProviderConfiguration, type ConfigurationDeps } from './configuration.js';
import { auditProviderEvents } from './events.js';

export interface ProviderHolder {
  /** The provider serving requests now; replaced when the signing keys change. */
  current(): Provider;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Reloads the keys and swaps in a new provider if they changed; returns whether it did. */
  refreshKeys(): Promise<boolean>;
  startKeyWatch(intervalMs: number): void;
  stop(): void;
}

/**
 * oidc-provider reads its signing keys once, at construction. Keys live in the database and can be
 * rotated by any instance or by the CLI, so each instance watches their fingerprint and builds a new
 * provider when it changes. Every piece of protocol state is in the stores, so the swap loses nothing.
 */
export async function createProviderHolder(deps: {
  base: Omit<ConfigurationDeps, 'secrets'>;
  keys: KeyService;
  audit: AuditRecorder;
  logger: Logger;
  /** Installs the token endpoint's rate limit on each provider built. */
  limitTokens?: (provider: Provider) => void;
  /** Further set-up of every provider built (the first, and each after a key change). */
  configure?: (provider: Provider) => void;
}): Promise<ProviderHolder> {
  const [cookieKey, pairwiseSalt] = await Promise.all([deps.keys.sharedSecret('cookie-key'), deps.keys.sharedSecret('pairwise-salt')]);

  const build = async () => {
    const keySet = await deps.keys.loadKeySet();
    const provider = new Provider(
      deps.base.config.issuer,
      buildProviderConfiguration({ ...deps.base, secrets: { jwks: keySet.jwks, cookieKeys: [cookieKey], pairwiseSalt } }),
    );
    // Forwarded headers reach the provider only from trusted proxies (see http/client-address.ts).
    provider.proxy = true;
    compareHashedClientSecrets(provider);
    deps.limitTokens?.(provider);
    auditProviderEvents(provider, deps.audit);
    provider.on('server_error', (_ctx, error: Error) => deps.logger.error({ err: error }, 'oidc-provider server error'));
    deps.configure?.(provider);
    return { provider, callback: provider.callback(), fingerprint: keySet.fingerprint };
  };

  let active = await build();
  let timer: NodeJS.Timeout | undefined;

  const refreshKeys = async () => {
    const keySet = await deps.keys.loadKeySet();
    if (keySet.fingerprint === active.fingerprint) return false;
    active = await build();
    deps.logger.info({ keys: active.fingerprint }, 'signing keys changed; provider reloaded');
    return true;
  };

  return {
    current: () => active.provider,
    handle: (req, res) => active.callback(req, res) as Promise<void>,
    refreshKeys,
    startKeyWatch(intervalMs) {
      timer = setInterval(() => {
        refreshKeys().catch((error: unknown) => deps.logger.warn({ err: error }, 'could not check signing keys'));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
