import { createHash, createHmac, hkdfSync } from 'node:crypto';
import type { Config } from '../config/load.js';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { guardStore, retryAfterSeconds, toLimitError, type LimiterFactory } from './store.js';

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfter: number; reason: 'ip' | 'ip_account' | 'account_delay' };

export interface FailureOutcome {
  consecutiveFailures: number;
  /** Seconds the account must wait before the next attempt; 0 when none. */
  delaySeconds: number;
  /** True exactly when this failure reached the lockout cap. */
  lockNow: boolean;
}

/**
 * How long a device or address that signed an account in stays known for it. Three weeks: the
 * in-memory store of embedded mode expires keys with a timer, which cannot run past 24.8 days.
 */
export const KNOWN_CONTEXT_SECONDS = 21 * 24 * 3600;

/**
 * Brute-force protection for the password step (and, with another name, the second factor). Only
 * failures count: a person who types the right password is never slowed by their own successes
 * (the login-protection pattern of rate-limiter-flexible's guide).
 *
 * - Per IP: failed attempts over a window (LOGIN_ATTEMPTS_PER_IP), so spraying from one address
 *   stops while an office behind one NAT address signs in all day.
 * - Per IP+account: failed attempts over the window (LOGIN_ATTEMPTS_PER_IP_AND_ACCOUNT); a success
 *   clears it, so one person's typos never add up across days.
 * - Per account, counted on the normalised email whether or not the account exists (so the waits
 *   reveal nothing): from the Nth consecutive failure each further failure imposes a wait that
 *   doubles up to a maximum; a correct password during a wait is refused too. At the lockout cap
 *   the caller locks the account until a reset or an admin unlock. A success clears the count.
 *   Rule (lockout prevention for known devices): the wait is not a lever against a known email. It
 *   does not apply to a device the caller vouches for (a session or device cookie of that account),
 *   nor to an address that signed this account in before (remembered for KNOWN_CONTEXT_SECONDS under
 *   an HMAC of account and address, keyed from SERVER_SECRET); their own failures still count per IP and per IP+account,
 *   and from the threshold on they wait like anyone else.
 */
export function createLoginProtection(
  factory: LimiterFactory,
  limits: Config['rateLimits'],
  serverSecret: string,
  kind: 'login' | 'mfa' = 'login',
) {
  const window = limits.loginAttemptWindowSeconds;
  const threshold = kind === 'login' ? limits.loginFailuresBeforeDelay : limits.mfaFailuresBeforeDelay;
  const perIp = factory(`${kind}:ip`, { points: limits.loginAttemptsPerIp, duration: window });
  const perIpAccount = factory(`${kind}:ip-account`, { points: limits.loginAttemptsPerIpAndAccount, duration: window });
  // The failure count lives for a day after the last failure; the cap is one above lockout so the
  // counter keeps counting past it.
  const failures = factory(`${kind}:failures`, { points: limits.loginLockoutAfterFailures + 1, duration: 24 * 3600 });
  const waits = factory(`${kind}:wait`, { points: 1, duration: limits.loginDelayMaxSeconds });
  const knownIps = factory(`${kind}:known-ip`, { points: 1, duration: KNOWN_CONTEXT_SECONDS });

  // A digest of the normalised address, not the address: counters must not keep an erased
  // account's address in Redis until their window ends (docs/privacy.md).
  const accountKey = (email: string) => createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest('base64url');
  // Keyed hash: the store must not keep a list of where each person signs in from, not even one
  // that could be recovered by hashing every IPv4 address with a known email.
  const knownIpSecret = Buffer.from(hkdfSync('sha256', serverSecret, 'idp-known-ip', kind, 32));
  const knownIpKey = (key: string, ip: string) => createHmac('sha256', knownIpSecret).update(`${key}|${ip}`).digest('base64url');

  async function countFailure(limiter: typeof failures, key: string): Promise<number> {
    try {
      return (await limiter.consume(key)).consumedPoints;
    } catch (rejection) {
      // Past the cap the limiter rejects, but still reports the count, which keeps growing.
      if (rejection instanceof RateLimiterRes) return rejection.consumedPoints;
      throw toLimitError(rejection);
    }
  }

  /** Whether this address signed this account in within KNOWN_CONTEXT_SECONDS. */
  async function isKnownIp(ip: string, email: string): Promise<boolean> {
    const known = await guardStore(knownIps.get(knownIpKey(accountKey(email), ip)));
    return Boolean(known && known.consumedPoints > 0 && known.msBeforeNext > 0);
  }

  /** The failures a key has used up in the window, as a refusal when it has none left. */
  function overLimit(result: RateLimiterRes | null, points: number): number | undefined {
    if (!result || result.consumedPoints < points || result.msBeforeNext <= 0) return undefined;
    return retryAfterSeconds(result);
  }

  return {
    /**
     * Whether an attempt may go on. `knownDevice` is asked only while the account has a wait: it
     * says whether this device holds a session of the account or signed it in before.
     */
    async beforeAttempt(ip: string, email: string, knownDevice?: () => Promise<boolean> | boolean): Promise<AttemptDecision> {
      const key = accountKey(email);
      const [ipFailures, pairFailures, wait] = await guardStore(Promise.all([perIp.get(ip), perIpAccount.get(`${ip}|${key}`), waits.get(key)]));
      const ipRefusal = overLimit(ipFailures, limits.loginAttemptsPerIp);
      if (ipRefusal !== undefined) return { allowed: false, retryAfter: ipRefusal, reason: 'ip' };
      const pairRefusal = overLimit(pairFailures, limits.loginAttemptsPerIpAndAccount);
      if (pairRefusal !== undefined) return { allowed: false, retryAfter: pairRefusal, reason: 'ip_account' };
      if (wait && wait.consumedPoints > 0 && wait.msBeforeNext > 0) {
        // Rule: a known device or address is not delayed by failures from elsewhere; its own
        // failures (this IP and account) still bring the wait back at the usual threshold.
        const ownFailures = pairFailures?.consumedPoints ?? 0;
        const exempt = kind === 'login' && ownFailures < threshold && ((await knownDevice?.()) || (await isKnownIp(ip, email)));
        if (exempt) return { allowed: true };
        return { allowed: false, retryAfter: retryAfterSeconds(wait), reason: 'account_delay' };
      }
      return { allowed: true };
    },

    async recordFailure(email: string, ip: string): Promise<FailureOutcome> {
      const key = accountKey(email);
      const [count] = await Promise.all([
        countFailure(failures, key),
        countFailure(perIp, ip),
        countFailure(perIpAccount, `${ip}|${key}`),
      ]);
      let delaySeconds = 0;
      if (count >= threshold) {
        delaySeconds = Math.min(limits.loginDelayBaseSeconds * 2 ** (count - threshold), limits.loginDelayMaxSeconds);
        await guardStore(waits.block(key, delaySeconds));
      }
      return { consecutiveFailures: count, delaySeconds, lockNow: kind === 'login' && count === limits.loginLockoutAfterFailures };
    },

    /** The right password (or code): clears this address's and the account's failures; remembers the address. */
    async recordSuccess(email: string, ip: string): Promise<void> {
      const key = accountKey(email);
      const writes: Promise<unknown>[] = [failures.delete(key), waits.delete(key), perIpAccount.delete(`${ip}|${key}`)];
      if (kind === 'login') writes.push(knownIps.set(knownIpKey(key, ip), 1, KNOWN_CONTEXT_SECONDS));
      await guardStore(Promise.all(writes));
    },

    /** Forgets the failures of an account: after an admin unlock or a password reset. */
    reset(email: string): Promise<void> {
      const key = accountKey(email);
      return guardStore(Promise.all([failures.delete(key), waits.delete(key)])).then(() => undefined);
    },
  };
}

export type LoginProtection = ReturnType<typeof createLoginProtection>;
