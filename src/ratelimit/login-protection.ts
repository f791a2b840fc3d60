import { createHash } from 'node:crypto';
import type { Config } from '../config/load.js';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { consumeOrThrow, guardStore, retryAfterSeconds, toLimitError, type LimiterFactory } from './store.js';

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfter: number; reason: 'ip' | 'ip_account' | 'account_delay' };

export interface FailureOutcome {
  consecutiveFailures: number;
  /** Seconds the account must wait before the next attempt; 0 when none. */
  delaySeconds: number;
  /** True exactly when this failure reached the lockout cap. */
  lockNow: boolean;
}

/**
 * Brute-force protection for the password step (and, with another name, the second factor).
 *
 * - Per IP and per IP+account: throughput caps over a window, so spraying from one address stops
 *   while one person's typos do not lock anyone else out.
 * - Per account, counted on the normalised email whether or not the account exists (so the waits
 *   reveal nothing): from the Nth consecutive failure each further failure imposes a wait that
 *   doubles up to a maximum; a correct password during a wait is refused too. At the lockout cap
 *   the caller locks the account until a reset or an admin unlock. A success clears the count.
 */
export function createLoginProtection(factory: LimiterFactory, limits: Config['rateLimits'], kind: 'login' | 'mfa' = 'login') {
  const window = limits.loginAttemptWindowSeconds;
  const threshold = kind === 'login' ? limits.loginFailuresBeforeDelay : limits.mfaFailuresBeforeDelay;
  const perIp = factory(`${kind}:ip`, { points: limits.loginAttemptsPerIp, duration: window });
  const perIpAccount = factory(`${kind}:ip-account`, { points: limits.loginAttemptsPerIpAndAccount, duration: window });
  // The failure count lives for a day after the last failure; the cap is one above lockout so the
  // counter keeps counting past it.
  const failures = factory(`${kind}:failures`, { points: limits.loginLockoutAfterFailures + 1, duration: 24 * 3600 });
  const waits = factory(`${kind}:wait`, { points: 1, duration: limits.loginDelayMaxSeconds });

  // A digest of the normalised address, not the address: counters must not keep an erased
  // account's address in Redis until their window ends (docs/privacy.md).
  const accountKey = (email: string) => createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest('base64url');

  async function countFailure(key: string): Promise<number> {
    try {
      return (await failures.consume(key)).consumedPoints;
    } catch (rejection) {
      // Past the cap the limiter rejects, but still reports the count, which keeps growing.
      if (rejection instanceof RateLimiterRes) return rejection.consumedPoints;
      throw toLimitError(rejection);
    }
  }

  return {
    async beforeAttempt(ip: string, email: string): Promise<AttemptDecision> {
      const key = accountKey(email);
      const wait = await guardStore(waits.get(key));
      if (wait && wait.consumedPoints > 0 && wait.msBeforeNext > 0) {
        return { allowed: false, retryAfter: retryAfterSeconds(wait), reason: 'account_delay' };
      }
      for (const [limiter, limiterKey, reason] of [
        [perIp, ip, 'ip'],
        [perIpAccount, `${ip}|${key}`, 'ip_account'],
      ] as const) {
        try {
          await consumeOrThrow(limiter, limiterKey);
        } catch (error) {
          const retryAfter = (error as { retryAfter?: number }).retryAfter;
          if (retryAfter === undefined) throw error;
          return { allowed: false, retryAfter, reason };
        }
      }
      return { allowed: true };
    },

    async recordFailure(email: string): Promise<FailureOutcome> {
      const key = accountKey(email);
      const count = await countFailure(key);
      let delaySeconds = 0;
      if (count >= threshold) {
        delaySeconds = Math.min(limits.loginDelayBaseSeconds * 2 ** (count - threshold), limits.loginDelayMaxSeconds);
        await guardStore(waits.block(key, delaySeconds));
      }
      return { consecutiveFailures: count, delaySeconds, lockNow: kind === 'login' && count === limits.loginLockoutAfterFailures };
    },

    async recordSuccess(email: string): Promise<void> {
      const key = accountKey(email);
      await guardStore(Promise.all([failures.delete(key), waits.delete(key)]));
    },

    /** Forgets the failures of an account: after an admin unlock or a password reset. */
    reset(email: string): Promise<void> {
      const key = accountKey(email);
      return guardStore(Promise.all([failures.delete(key), waits.delete(key)])).then(() => undefined);
    },
  };
}

export type LoginProtection = ReturnType<typeof createLoginProtection>;
