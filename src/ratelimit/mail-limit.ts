import type { Config } from '../config/load.js';
import { consumeOrThrow, type LimiterFactory } from './store.js';

/**
 * Limits the endpoints that send mail (sign-up, resend verification, forgot password) per address
 * and per IP, so they cannot be used to bomb someone's inbox or to flood the outbox. Over the limit
 * the caller gets a RateLimitedError (429 with Retry-After).
 */
export function createMailLimit(factory: LimiterFactory, limits: Config['rateLimits']) {
  const perAddress = factory('mail:address', { points: limits.mailRequestsPerAddressPerHour, duration: 3600 });
  const perIp = factory('mail:ip', { points: limits.mailRequestsPerIpPerHour, duration: 3600 });
  return {
    async check(address: string, ip: string): Promise<void> {
      await consumeOrThrow(perIp, ip);
      await consumeOrThrow(perAddress, address.trim().toLowerCase());
    },
  };
}

export type MailLimit = ReturnType<typeof createMailLimit>;
