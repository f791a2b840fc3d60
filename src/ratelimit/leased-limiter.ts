import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** The most points one instance takes from the shared counter at a time. */
export const MAX_LEASE = 16;
/** Leases are only taken while at least this many leases' worth of points remained at the last look. */
const HEADROOM_LEASES = 4;
/** A refused lease is only given back while its window has at least this long to run. */
const REWARD_MARGIN_MS = 2_000;
/** Leases are an optimisation; past this many keys the oldest are dropped rather than kept without bound. */
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
 * back and the point is asked for alone. A point refunded for a request that was not the key
 * owner's (refund()) goes back where it came from.
 */
export class LeasedLimiter {
  readonly #shared: RateLimiterAbstract;
  readonly #leases = new Map<string, Lease>();
  /** Leases being taken: concurrent requests for the same key wait for one instead of each asking. */
  readonly #taking = new Map<string, Promise<number>>();
  readonly #now: () => number;

  constructor(shared: RateLimiterAbstract, now: () => number = Date.now) {
    this.#shared = shared;
    this.#now = now;
  }

  /**
   * Spends one point. Resolves to the end of the window the point belongs to (for refund()); rejects
   * with RateLimiterRes when over the limit, or with the store's error.
   */
  async consume(key: string): Promise<number> {
    for (;;) {
      const leased = this.#spendLeased(key);
      if (leased) return leased;
      const taking = this.#taking.get(key);
      if (!taking) break;
      await taking.catch(() => undefined);
    }
    const current = this.#current(key);
    const size = current?.roomy ? MAX_LEASE : 1;
    // The window's end is counted from before the call, so a lease never outlives its window.
    const askedAt = this.#now();
    const taken = this.#take(key, size).then(
      ({ answer, taken }) => this.#remember(key, askedAt, { points: taken - 1, answer }),
      (rejection: unknown) => {
        // Over the limit: no more leases until the window ends.
        if (rejection instanceof RateLimiterRes) this.#remember(key, askedAt, { points: 0, answer: rejection, full: true });
        throw rejection;
      },
    );
    // Only a lease is worth waiting for; near the limit every request asks for its own point.
    if (size === 1) return taken;
    this.#taking.set(key, taken);
    try {
      return await taken;
    } finally {
      if (this.#taking.get(key) === taken) this.#taking.delete(key);
    }
  }

  /**
   * Gives back one point that consume() took for a request the key's owner did not make (a failed
   * client authentication). Kept in the local lease when it came from it; otherwise the shared
   * counter is rewarded, but only while the point's window lasts (a later window owes nothing).
   */
  async refund(key: string, windowEnd: number): Promise<void> {
    if (windowEnd <= this.#now()) return;
    const lease = this.#leases.get(key);
    if (lease && lease.expiresAt === windowEnd) {
      lease.points += 1;
      return;
    }
    await this.#shared.reward(key, 1);
  }

  /** Keeps what a take learned as the key's lease; returns the end of the window taken from. */
  #remember(key: string, askedAt: number, taken: { points: number; answer: RateLimiterRes; full?: boolean }): number {
    const expiresAt = askedAt + taken.answer.msBeforeNext;
    this.#evictOldest();
    this.#leases.set(key, {
      points: taken.points,
      expiresAt,
      roomy: !taken.full && taken.answer.remainingPoints >= MAX_LEASE * HEADROOM_LEASES,
    });
    return expiresAt;
  }

  /** Keeps the map bounded (many keys: per-IP callers, made-up client ids) by dropping the oldest leases. */
  #evictOldest(): void {
    if (this.#leases.size < MAX_KEYS) return;
    let drop = Math.ceil(MAX_KEYS / 10);
    for (const key of this.#leases.keys()) {
      this.#leases.delete(key);
      if ((drop -= 1) === 0) break;
    }
  }

  #current(key: string): Lease | undefined {
    const lease = this.#leases.get(key);
    return lease && lease.expiresAt > this.#now() ? lease : undefined;
  }

  /** Spends a point of the local lease; returns its window's end, or 0 when there is none to spend. */
  #spendLeased(key: string): number {
    const lease = this.#current(key);
    if (!lease || lease.points <= 0) return 0;
    lease.points -= 1;
    return lease.expiresAt;
  }

  async #take(key: string, size: number): Promise<{ answer: RateLimiterRes; taken: number }> {
    try {
      return { answer: await this.#shared.consume(key, size), taken: size };
    } catch (rejection) {
      if (size === 1 || !(rejection instanceof RateLimiterRes)) throw rejection;
      // Given back only well inside the window: a reward that lands after the window ended would
      // start the next one below zero.
      if (rejection.msBeforeNext < REWARD_MARGIN_MS) throw rejection;
      await this.#shared.reward(key, size);
      return { answer: await this.#shared.consume(key, 1), taken: 1 };
    }
  }
}
