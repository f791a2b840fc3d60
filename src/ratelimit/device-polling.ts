import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { DEVICE_CODE_GRANT } from '../clients/metadata.js';
import type { LimiterFactory } from './store.js';

/** RFC 8628 §3.2: the polling interval a device uses when the response names none (ours does not). */
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

/**
 * RFC 8628 §3.5 `slow_down`, which oidc-provider never sends: a device that polls the token endpoint
 * for a still-pending code more than once in a DEVICE_POLL_INTERVAL_SECONDS window is told to slow
 * down (and must add 5 seconds to its interval). Counted per device code, under a digest of it,
 * only on pending answers: the poll that finds the code approved, denied or expired gets its answer
 * however early it comes. When the counter's store does not answer, the pending answer stands.
 */
export function createDevicePollingLimit(factory: LimiterFactory): (provider: Provider) => void {
  const polls = factory('device-code:poll', { points: 1, duration: DEVICE_POLL_INTERVAL_SECONDS });
  return (provider) => {
    const tokenPath = new URL(provider.urlFor('token')).pathname;
    provider.use(async (ctx: KoaContextWithOIDC, next) => {
      await next();
      if (ctx.path !== tokenPath || ctx.method !== 'POST' || ctx.oidc?.params?.grant_type !== DEVICE_CODE_GRANT) return;
      if ((ctx.body as { error?: string } | undefined)?.error !== 'authorization_pending') return;
      const key = createHash('sha256').update(String(ctx.oidc.params.device_code)).digest('base64url');
      try {
        await polls.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return;
        ctx.body = { error: 'slow_down', error_description: `polling too often: wait ${DEVICE_POLL_INTERVAL_SECONDS} seconds more between requests` };
      }
    });
  };
}
