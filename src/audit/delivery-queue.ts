import type { Knex } from 'knex';

/**
 * The outbox mechanics shared by webhook deliveries and back-channel logout deliveries: a table with
 * `status`, `attempts`, `next_attempt_at`, `last_status`, `last_error` and `delivered_at` columns,
 * claimed by any instance with a lease, retried with exponential backoff, kept for inspection.
 */

/** Retries: 10 s after the first failure, doubling up to 6 h apart, 15 attempts in all (about 1.5 days). */
export const MAX_ATTEMPTS = 15;
const FIRST_RETRY_MS = 10_000;
const LONGEST_RETRY_MS = 6 * 3600_000;
/** A claimed delivery is someone's for this long; longer than a request may take. */
export const LEASE_MS = 60_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const CLAIM_BATCH = 25;

export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);
}

/**
 * What the delivery log says about a request that got no HTTP answer. Never the network error
 * itself: "connection refused" against "timed out" would make deliveries a port scanner.
 */
export const DELIVERY_REFUSED = 'destination not allowed: not a public address (see OUTBOUND_ALLOWED_HOSTS)';
export const DELIVERY_NO_ANSWER = 'no HTTP answer';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export function createDeliveryQueue(db: Knex, table: string) {
  return {
    /**
     * Takes up to `limit` due deliveries. Each is leased until `leaseUntil` by moving its next attempt
     * there, so a process that dies mid-delivery leaves it to be retried by any instance after the
     * lease; SKIP LOCKED lets several instances claim at once without waiting for each other.
     * `columns` is the select list returned (trusted SQL, never input).
     */
    claimDue: async <T>(now: Date, leaseUntil: Date, limit: number, columns: string): Promise<T[]> => {
      const result = await db.raw(
        `update ?? set attempts = attempts + 1, next_attempt_at = ?
        where id in (
          select id from ?? where status = 'pending' and next_attempt_at <= ?
          order by next_attempt_at, id limit ? for update skip locked
        )
        returning ${columns}`,
        [table, leaseUntil, table, now, limit],
      );
      return result.rows as T[];
    },

    /**
     * Queues a finished (delivered or failed) delivery again, due now, with a fresh set of attempts;
     * false when it is pending already (a worker may be sending it at this moment).
     */
    requeue: async (id: string, now: Date): Promise<boolean> =>
      (await db(table).where({ id }).whereNot('status', 'pending').update({ status: 'pending', attempts: 0, next_attempt_at: now, delivered_at: null })) === 1,

    markDelivered: (id: string, at: Date, status: number) =>
      db(table).where({ id }).update({ status: 'delivered', delivered_at: at, last_status: status, last_error: null }),

    markRetry: (id: string, nextAttemptAt: Date, status: number | null, error: string) =>
      db(table).where({ id }).update({ next_attempt_at: nextAttemptAt, last_status: status, last_error: error }),

    markFailed: (id: string, status: number | null, error: string) =>
      db(table).where({ id }).update({ status: 'failed', last_status: status, last_error: error }),
  };
}

export type DeliveryQueue = ReturnType<typeof createDeliveryQueue>;

/** A positive id that fits the bigint column (a longer one is not found, rather than a database error). */
export function isBigintId(text: string): boolean {
  return /^\d{1,19}$/.test(text) && BigInt(text) <= 9_223_372_036_854_775_807n;
}
