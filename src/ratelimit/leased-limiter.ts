import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** The most points one instance takes from the shared counter at a time. */
export const MAX_LEASE = 16;
/** Leases are only taken while at least this many leases' worth of points remained at the last look. */
const HEADROOM_LEASES = 4;
/** Leases are an optimisation; past this many keys they are dropped rather than kept without bound. */
const MAX_KEYS = 10_000;

interface Lease {
  /** Points taken from the shared counter and not spent yet. */
  points: number;
  /** When the shared window ends: points of one window must not be spent in the next. */
  expiresAt: number;
  /** Whether the shared counter had room for HEADROOM_LEASES leases at the last look. */
  roomy: boolean;
}

/**
 * A high-volume per-client limit (token endpoint, admin and check APIs) on a shared Redis counter,
 * without a Redis round trip on every request. Far from the limit, an instance takes MAX_LEASE points
 * at once and spends them locally; near it (less than HEADROOM_LEASES leases' worth left at the last
 * look) it takes one point per request, so the count is exact where it matters. Points leased but not
 * spent are lost with the window, so the limit is never looser than configured: at worst an instance
 * refuses MAX_LEASE - 1 requests early. A lease that other instances' traffic made too big is given
 * back and the point is asked for alone. Penalties go straight to Redis and drop the local lease, so
 * the next request sees them.
 */
export class LeasedLimiter {
  readonly #shared: RateLimiterAbstract;
  readonly #leases = new Map<string, Lease>();
  readonly #now: () => number;

  constructor(shared: RateLimiterAbstract, now: () => number = Date.now) {
    this.#shared = shared;
    this.#now = now;
  }

  /** Spends one point. Rejects with RateLimiterRes when over the limit, or with the store's error. */
  async consume(key: string): Promise<void> {
    const now = this.#now();
    const lease = this.#leases.get(key);
    const current = lease && lease.expiresAt > now ? lease : undefined;
    if (current && current.points > 0) {
      current.points -= 1;
      return;
    }
    this.#leases.delete(key);
    const size = current?.roomy ? MAX_LEASE : 1;
    const result = await this.#take(key, size);
    if (this.#leases.size >= MAX_KEYS) this.#leases.clear();
    this.#leases.set(key, {
      points: result.taken - 1,
      expiresAt: this.#now() + result.answer.msBeforeNext,
      roomy: result.answer.remainingPoints >= MAX_LEASE * HEADROOM_LEASES,
    });
  }

  async penalty(key: string, points: number): Promise<void> {
    this.#leases.delete(key);
    await this.#shared.penalty(key, points);
  }

  async #take(key: string, size: number): Promise<{ answer: RateLimiterRes; taken: number }> {
    try {
      return { answer: await this.#shared.consume(key, size), taken: size };
    } catch (rejection) {
      if (size === 1 || !(rejection instanceof RateLimiterRes)) throw rejection;
      await this.#shared.reward(key, size);
      return { answer: await this.#shared.consume(key, 1), taken: 1 };
    }
  }
}
