import { unavailable } from '../errors/app-error.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { PersonalDataVault } from '../privacy/vault.js';
import type { Clock } from '../shared/clock.js';
import type { EventType } from './event-types.js';
import type { EventQueries, NewEvent } from './queries.js';
import { cleanDetail, cleanText } from './sanitize.js';

export interface AuditEvent {
  type: EventType;
  outcome?: 'success' | 'failure';
  actor?: { type: NewEvent['actor_type']; id?: string };
  accountId?: string;
  clientId?: string;
  origin?: RequestOrigin;
  /** Small and free of secrets: never a password, token, code or link. */
  detail?: Record<string, unknown>;
}

export interface AuditRecorder {
  /** Resolves once the event is committed; rejects with a 503 AppError when it could not be stored. */
  record(event: AuditEvent): Promise<void>;
  /**
   * For frequent, read-only operations (introspection): the first call per `key` in each window is
   * recorded (and awaited) with `detail.unrecordedSincePrevious`, the number of calls since the
   * previous recorded one; the others only count.
   */
  recordSampled(key: string, event: AuditEvent): Promise<void>;
  /** Called after each committed batch with the number of webhook deliveries it queued. */
  onAppended(listener: (deliveries: number) => void): void;
  /** Writes what is queued and the sampling counts, then refuses new events. */
  close(): Promise<void>;
}

const MAX_BATCH = 256;
const SAMPLE_WINDOW_MS = 60_000;

interface Pending {
  row: NewEvent;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Writes events to the append-only, hash-chained events table with group commit: events recorded
 * while a write is in flight are queued and written together by the next one (at most 256 per
 * transaction). Every caller still awaits its own event, so a request whose event could not be stored
 * fails with a 503 instead of succeeding unlogged; under load, many requests share one transaction.
 * If a batch fails because of one row's data, its rows are retried one by one, so only that request fails.
 */
export function createAuditRecorder(deps: { queries: EventQueries; clock: Clock; vault: Pick<PersonalDataVault, 'protect'> }): AuditRecorder {
  let queue: Pending[] = [];
  let scheduled = false;
  let flushing: Promise<void> | undefined;
  let closed = false;
  const listeners: ((deliveries: number) => void)[] = [];
  const samples = new Map<string, { windowStart: number; unrecorded: number; event: AuditEvent }>();

  /** Writes a batch; when one of its rows is at fault rather than the store, retries the rows one by one. */
  async function write(batch: Pending[]): Promise<void> {
    let deliveries: number;
    try {
      // Personal values are encrypted under their account's key before the chain hashes them.
      ({ deliveries } = await deps.queries.appendEvents(await deps.vault.protect(batch.map((pending) => pending.row))));
    } catch (error) {
      if (batch.length > 1 && isRowError(error)) {
        for (const pending of batch) await write([pending]);
        return;
      }
      const failure = unavailable('The audit log cannot be written; the operation was not completed. Try again shortly.', error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    for (const pending of batch) pending.resolve();
    for (const listener of listeners) listener(deliveries);
  }

  async function drain(): Promise<void> {
    while (queue.length) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      await write(batch);
    }
  }

  function schedule(): void {
    if (scheduled || flushing) return;
    scheduled = true;
    // One turn of the event loop lets events of concurrent requests join the same transaction.
    setImmediate(() => {
      scheduled = false;
      flushing = drain().finally(() => {
        flushing = undefined;
        if (queue.length) schedule();
      });
    });
  }

  function record(event: AuditEvent): Promise<void> {
    if (closed) return Promise.reject(unavailable('The audit log is shutting down; try again shortly.'));
    let row: NewEvent;
    try {
      row = toRow(event, deps.clock.now());
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      queue.push({ row, resolve, reject });
      schedule();
    });
  }

  return {
    record,

    async recordSampled(key, event) {
      const now = deps.clock.now().getTime();
      const sample = samples.get(key);
      if (sample && now - sample.windowStart < SAMPLE_WINDOW_MS) {
        sample.unrecorded += 1;
        sample.event = event;
        return;
      }
      const unrecorded = sample?.unrecorded ?? 0;
      samples.set(key, { windowStart: now, unrecorded: 0, event });
      await record({ ...event, detail: { ...event.detail, sampled: true, unrecordedSincePrevious: unrecorded } });
    },

    onAppended(listener) {
      listeners.push(listener);
    },

    async close() {
      if (closed) return;
      const summaries = [...samples.values()].filter((sample) => sample.unrecorded > 0);
      samples.clear();
      const written = summaries.map((sample) =>
        record({ ...sample.event, origin: undefined, detail: { ...sample.event.detail, sampled: true, unrecordedSincePrevious: sample.unrecorded, summary: true } }),
      );
      closed = true;
      await Promise.allSettled(written);
      while (scheduled || flushing) await (flushing ?? new Promise((resolve) => setImmediate(resolve)));
    },
  };
}

const ANONYMOUS: NonNullable<AuditEvent['actor']> = { type: 'anonymous' };

/**
 * SQLSTATE classes that blame the data of a statement (22 data exception, 23 integrity constraint,
 * 54 program limit exceeded), not the store: then one row is at fault, and the others can be written.
 * Anything else (connection, timeout, a missing table) fails the whole batch at once: retrying row by
 * row during an outage would only multiply the wait.
 */
function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

function toRow(event: AuditEvent, now: Date): NewEvent {
  const actor: NonNullable<AuditEvent['actor']> = event.actor ?? (event.accountId ? { type: 'account', id: event.accountId } : ANONYMOUS);
  return {
    occurred_at: now,
    type: event.type,
    outcome: event.outcome ?? 'success',
    actor_type: actor.type,
    actor_id: cleanText(actor.id, 256),
    account_id: cleanText(event.accountId, 256),
    client_id: cleanText(event.clientId, 256),
    ip: cleanText(event.origin?.ip, 64),
    user_agent: cleanText(event.origin?.userAgent),
    request_id: cleanText(event.origin?.requestId, 128),
    detail: cleanDetail(event.detail),
  };
}
