import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Past this many blocked keys the oldest are forgotten (the shared counter still has them). */
const MAX_BLOCKED = 10_000;

/**
 * Counts failures per key on a shared counter and refuses a key once it is over the limit, without
 * a store call for requests that have not failed. Only a failure goes to the store; when that
 * failure reaches the limit the key is blocked in this instance's memory until the window ends, and
 * every later request with the key is refused from memory. Another instance learns of the block at
 * the key's first failure there, so with N instances a key gets at most N - 1 failures more than the
 * limit. The success path of a busy endpoint thus pays one Map lookup, never a round trip.
 */
export class FailureGate {
  readonly #shared: RateLimiterAbstract;
  readonly #blockedUntil = new Map<string, number>();
  readonly #now: () => number;

  constructor(shared: RateLimiterAbstract, now: () => number = Date.now) {
    this.#shared = shared;
    this.#now = now;
  }

  /** Milliseconds the key stays refused; 0 when it may go on. */
  blockedFor(key: string): number {
    const until = this.#blockedUntil.get(key);
    if (until === undefined) return 0;
    const left = until - this.#now();
    if (left > 0) return left;
    this.#blockedUntil.delete(key);
    return 0;
  }

  /** Counts one failure; the one that reaches the limit blocks the key. Rejects only with the store's error. */
  async fail(key: string): Promise<void> {
    let counted: RateLimiterRes;
    try {
      counted = await this.#shared.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      counted = rejection;
    }
    if (counted.remainingPoints > 0) return;
    if (this.#blockedUntil.size >= MAX_BLOCKED) this.#blockedUntil.delete(this.#blockedUntil.keys().next().value!);
    this.#blockedUntil.set(key, this.#now() + counted.msBeforeNext);
  }
}
