import type { Context, Next } from 'koa';
import type { Config } from '../config/load.js';
import { LeasedLimiter } from './leased-limiter.js';
import { toLimitError, type LimiterFactory } from './store.js';

/**
 * Per-client limit for the admin and check APIs. Runs after authentication, keyed on the client id
 * of the caller the API guard put in ctx.state.caller; over the limit it throws a 429 that the error
 * handler renders as problem+json with Retry-After.
 */
export function createApiLimit(factory: LimiterFactory, limits: Config['rateLimits'], name: string) {
  const limiter = new LeasedLimiter(factory(`api:${name}`, { points: limits.apiRequestsPerClientPerMinute, duration: 60 }));
  return async (ctx: Context, next: Next) => {
    const caller = ctx.state.caller as { clientId?: string } | undefined;
    const clientId = caller?.clientId ? `client:${caller.clientId}` : `ip:${ctx.ip}`;
    await limiter.consume(clientId).catch((rejection: unknown) => {
      throw toLimitError(rejection);
    });
    await next();
  };
}
