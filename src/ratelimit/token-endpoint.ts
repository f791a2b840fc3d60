import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/load.js';
import { FailureGate } from './failure-gate.js';
import { LeasedLimiter } from './leased-limiter.js';
import { retryAfterSeconds, toLimitError, type LimiterFactory } from './store.js';

/** Window of the failed-authentication counters. */
export const TOKEN_AUTH_FAILURE_WINDOW_SECONDS = 600;

interface Limits {
  perClient: LeasedLimiter;
  failuresPerIpAndClient: FailureGate;
  failuresPerIp: FailureGate;
}

/**
 * Limits the token endpoint.
 *
 * - Throughput per client (runaway machine clients): one point per request, keyed on the client id
 *   of the Basic credentials, read before authentication so the check costs no crypto and, through
 *   the leased limiter, rarely a store call; clients that post their id in the body are counted per IP.
 * - Failed client authentication. Rule: anyone can write a client id, so failures are charged to
 *   where they come from, never to the client's budget: the point an unauthenticated request took
 *   is given back, and the failure counts per (IP, client id) and per IP (the IP that
 *   http/client-address.ts derived from TRUSTED_PROXIES). An address over either limit is refused
 *   before it touches the client's budget. Only failures reach those counters' store, so the
 *   success path makes no store call beyond the leased limiter's.
 *
 * Over a limit the answer is 429 with Retry-After in the OAuth error format (RFC 6749 §5.2).
 */
export function createTokenEndpointLimit(factory: LimiterFactory, limits: Config['rateLimits']): (provider: Provider) => void {
  // One set of limiters for the life of the process: providers are rebuilt on key rotation, counters are not.
  const failureLimit = (name: string, points: number) => new FailureGate(factory(name, { points, duration: TOKEN_AUTH_FAILURE_WINDOW_SECONDS }));
  const state: Limits = {
    perClient: new LeasedLimiter(factory('token:client', { points: limits.tokenRequestsPerClientPerMinute, duration: 60 })),
    failuresPerIpAndClient: failureLimit('token:auth-failure:ip-client', limits.tokenAuthFailuresPerIpAndClient),
    failuresPerIp: failureLimit('token:auth-failure:ip', limits.tokenAuthFailuresPerIp),
  };
  return (provider) => installLimit(provider, state);
}

function installLimit(provider: Provider, limits: Limits): void {
  const tokenPath = new URL(provider.urlFor('token')).pathname;
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    if (ctx.path !== tokenPath || ctx.method !== 'POST') return next();
    const clientId = basicClientId(ctx.get('authorization'));
    const ip = ctx.ip;
    const pairKey = `${ip}|${clientId ?? ''}`;
    const blockedMs = Math.max(limits.failuresPerIp.blockedFor(ip), limits.failuresPerIpAndClient.blockedFor(pairKey));
    if (blockedMs > 0) return tooMany(ctx, Math.max(1, Math.ceil(blockedMs / 1000)), 'too many failed client authentications from this address');

    const key = clientId ? `client:${clientId}` : `ip:${ip}`;
    let windowEnd: number;
    try {
      windowEnd = await limits.perClient.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return unavailable(ctx, rejection);
      return tooMany(ctx, retryAfterSeconds(rejection), 'too many requests for this client');
    }
    await next();
    if (ctx.status === 401 && (ctx.body as { error?: string } | undefined)?.error === 'invalid_client') {
      // The failure path may pay store calls; a broken store must not turn the 401 into something else.
      await Promise.all([
        limits.perClient.refund(key, windowEnd),
        limits.failuresPerIpAndClient.fail(pairKey),
        limits.failuresPerIp.fail(ip),
      ]).catch(() => undefined);
    }
  });
}

function tooMany(ctx: KoaContextWithOIDC, retryAfter: number, what: string): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(retryAfter));
  ctx.body = { error: 'temporarily_unavailable', error_description: `${what}; retry after ${retryAfter} seconds` };
}

function unavailable(ctx: KoaContextWithOIDC, rejection: unknown): void {
  ctx.status = 503;
  ctx.set('Retry-After', '5');
  ctx.body = { error: 'temporarily_unavailable', error_description: toLimitError(rejection).message };
}

function basicClientId(header: string): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, separator));
  } catch {
    return undefined;
  }
}
