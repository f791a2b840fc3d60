import type { RedisClient as Redis } from '../storage/redis.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, unavailable } from '../errors/app-error.js';

export interface LimiterOptions {
  /** Points available per window. */
  points: number;
  /** Window length in seconds. */
  duration: number;
}

export type LimiterFactory = (name: string, options: LimiterOptions) => RateLimiterAbstract;

/**
 * Limiters live in Redis when it is configured, so every instance behind a load balancer shares the
 * same counters; in embedded mode (one process) they live in memory. When Redis does not answer, a
 * limiter fails closed: the request gets a 503 instead of going through unchecked.
 */
export function createLimiterFactory(redis?: Redis): LimiterFactory {
  return (name, options) =>
    redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${name}`, rejectIfRedisNotReady: true, ...options })
      : new RateLimiterMemory({ keyPrefix: `rl:${name}`, ...options });
}

export const retryAfterSeconds = (result: RateLimiterRes): number => Math.max(1, Math.ceil(result.msBeforeNext / 1000));

export class RateLimitedError extends AppError {
  constructor(readonly retryAfter: number, message = 'Too many requests; try again later') {
    super('RATE_LIMITED', 429, message, { headers: { 'Retry-After': String(retryAfter) }, details: { retry_after: retryAfter } });
  }
}

/**
 * Consumes points and turns the two kinds of rejection into errors: over the limit becomes a 429
 * with Retry-After, a store failure becomes a 503.
 */
export async function consumeOrThrow(limiter: RateLimiterAbstract, key: string, points = 1): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key, points);
  } catch (rejection) {
    throw toLimitError(rejection);
  }
}

export function toLimitError(rejection: unknown): AppError {
  if (rejection instanceof RateLimiterRes) return new RateLimitedError(retryAfterSeconds(rejection));
  return unavailable('The rate-limit store is unavailable; try again shortly', rejection);
}

/** Runs a limiter call whose only possible failure is the store: that becomes a 503. */
export async function guardStore<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw toLimitError(error instanceof RateLimiterRes ? new Error('unexpected rejection') : error);
  }
}
