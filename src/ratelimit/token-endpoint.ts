import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/load.js';
import { LeasedLimiter } from './leased-limiter.js';
import { retryAfterSeconds, toLimitError, type LimiterFactory } from './store.js';

/**
 * Limits the token endpoint per client: runaway machine clients and client-secret guessing. A
 * request costs one point; a failed client authentication costs TOKEN_AUTH_FAILURE_COST more, so
 * guessing runs out long before normal traffic would. The key is the client id of the Basic
 * credentials (read before authentication, so the check costs one store call and no crypto);
 * clients that post their id in the body are counted per IP.
 * Over the limit the answer is 429 with Retry-After in the OAuth error format (RFC 6749 §5.2).
 */
export function createTokenEndpointLimit(factory: LimiterFactory, limits: Config['rateLimits']): (provider: Provider) => void {
  // One limiter for the life of the process: providers are rebuilt on key rotation, counters are not.
  const limiter = new LeasedLimiter(factory('token:client', { points: limits.tokenRequestsPerClientPerMinute, duration: 60 }));
  return (provider) => installLimit(provider, limiter, limits.tokenAuthFailureCost);
}

function installLimit(provider: Provider, limiter: LeasedLimiter, authFailureCost: number): void {
  const tokenPath = new URL(provider.urlFor('token')).pathname;
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    if (ctx.path !== tokenPath || ctx.method !== 'POST') return next();
    const key = basicClientId(ctx.get('authorization')) ?? `ip:${ctx.ip}`;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        const error = toLimitError(rejection);
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = { error: 'temporarily_unavailable', error_description: error.message };
        return;
      }
      const retryAfter = retryAfterSeconds(rejection);
      ctx.status = 429;
      ctx.set('Retry-After', String(retryAfter));
      ctx.body = { error: 'temporarily_unavailable', error_description: `too many requests for this client; retry after ${retryAfter} seconds` };
      return;
    }
    await next();
    if (ctx.status === 401 && (ctx.body as { error?: string } | undefined)?.error === 'invalid_client') {
      await limiter.penalty(key, authFailureCost).catch(() => undefined);
    }
  });
}

function basicClientId(header: string): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) return undefined;
  try {
    return `client:${decodeURIComponent(decoded.slice(0, separator))}`;
  } catch {
    return undefined;
  }
}
