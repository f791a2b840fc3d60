import { describe, expect, it } from '@jest/globals';
import { createAuditRecorder } from '../../../src/audit/recorder.js';
import type { EventQueries, NewEvent } from '../../../src/audit/queries.js';
import { AppError } from '../../../src/errors/app-error.js';
import { ManualClock } from '../../support/manual-clock.js';

/** These events are about no account: nothing to encrypt (the vault is tested in test/unit/privacy). */
const PLAINTEXT = { protect: async <T,>(rows: T[]) => rows };

/** Queries whose appends wait until the test lets them finish, or fail. */
function controlledQueries() {
  const batches: NewEvent[][] = [];
  const waiting: { resolve(): void; reject(error: Error): void }[] = [];
  const queries = {
    appendEvents(rows: NewEvent[]) {
      batches.push(rows);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve: () => resolve({ ids: rows.map((_, i) => String(i)), deliveries: rows.length }), reject });
      });
    },
  } as unknown as EventQueries;
  const settle = async (how: 'resolve' | 'reject' = 'resolve') => {
    while (waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const next = waiting.shift()!;
    if (how === 'resolve') next.resolve();
    else next.reject(new Error('connection terminated'));
  };
  return { queries, batches, settle };
}

describe('audit recorder (group commit)', () => {
  it('writes events recorded while a write is in flight together, in one later transaction', async () => {
    const { queries, batches, settle } = controlledQueries();
    const recorder = createAuditRecorder({ queries, clock: new ManualClock(), vault: PLAINTEXT });
    const first = recorder.record({ type: 'login.succeeded', accountId: 'a1' });
    await settle();
    await first;
    const inFlight = recorder.record({ type: 'token.issued', clientId: 'c0' });
    while (batches.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const queued = Array.from({ length: 10 }, (_, i) => recorder.record({ type: 'token.issued', clientId: `c${i + 1}` }));
    await settle();
    await inFlight;
    await settle();
    await Promise.all(queued);
    expect(batches.map((batch) => batch.length)).toEqual([1, 1, 10]);
    expect(batches[2].map((row) => row.client_id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i + 1}`));
  });

  it('fails every caller of a failed batch with a 503, and keeps working afterwards', async () => {
    const { queries, settle } = controlledQueries();
    const recorder = createAuditRecorder({ queries, clock: new ManualClock(), vault: PLAINTEXT });
    const failing = [recorder.record({ type: 'login.failed' }), recorder.record({ type: 'login.failed' })];
    await settle('reject');
    for (const result of await Promise.allSettled(failing)) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as AppError;
      expect(reason).toBeInstanceOf(AppError);
      expect(reason).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    }
    const later = recorder.record({ type: 'login.succeeded' });
    await settle();
    await expect(later).resolves.toBeUndefined();
  });

  it('retries the rows of a batch one by one when a row is at fault, so only its own request fails', async () => {
    const batches: string[][] = [];
    const queries = {
      async appendEvents(rows: NewEvent[]) {
        batches.push(rows.map((row) => row.type));
        if (rows.some((row) => row.type === 'grant.revoked')) throw Object.assign(new Error('value too long'), { code: '22001' });
        return { ids: rows.map(String), deliveries: 0 };
      },
    } as unknown as EventQueries;
    const recorder = createAuditRecorder({ queries, clock: new ManualClock(), vault: PLAINTEXT });
    const results = await Promise.allSettled([
      recorder.record({ type: 'logout' }),
      recorder.record({ type: 'grant.revoked' }),
      recorder.record({ type: 'token.issued' }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([['logout', 'grant.revoked', 'token.issued'], ['logout'], ['grant.revoked'], ['token.issued']]);
  });

  it('fills in the actor, caps and cleans values, and stamps the clock time', async () => {
    const { queries, batches, settle } = controlledQueries();
    const clock = new ManualClock(Date.parse('2026-11-27T12:00:00.000Z'));
    const recorder = createAuditRecorder({ queries, clock, vault: PLAINTEXT });
    const done = recorder.record({
      type: 'login.failed',
      outcome: 'failure',
      accountId: 'acc\u0000ount',
      origin: { ip: '127.0.0.1', userAgent: 'u'.repeat(2000), requestId: 'req-1' },
      detail: { reason: 'wrong_password' },
    });
    await settle();
    await done;
    expect(batches[0][0]).toMatchObject({
      occurred_at: new Date('2026-11-27T12:00:00.000Z'),
      outcome: 'failure',
      actor_type: 'account',
      actor_id: 'acc\uFFFDount',
      account_id: 'acc\uFFFDount',
      ip: '127.0.0.1',
      request_id: 'req-1',
      detail: { reason: 'wrong_password' },
    });
    expect(batches[0][0].user_agent).toHaveLength(512);
  });

  it('tells listeners how many webhook deliveries a batch queued', async () => {
    const { queries, settle } = controlledQueries();
    const recorder = createAuditRecorder({ queries, clock: new ManualClock(), vault: PLAINTEXT });
    const seen: number[] = [];
    recorder.onAppended((deliveries) => seen.push(deliveries));
    const done = Promise.all([recorder.record({ type: 'logout' }), recorder.record({ type: 'logout' })]);
    await settle();
    await done;
    expect(seen).toEqual([2]);
  });

  it('on close, writes what is queued and then refuses new events', async () => {
    const { queries, batches, settle } = controlledQueries();
    const recorder = createAuditRecorder({ queries, clock: new ManualClock(), vault: PLAINTEXT });
    const pending = recorder.record({ type: 'keys.rotated' });
    const closing = recorder.close();
    await settle();
    await closing;
    await expect(pending).resolves.toBeUndefined();
    expect(batches).toHaveLength(1);
    await expect(recorder.record({ type: 'keys.rotated' })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('samples: the first call per key in a window is written with the count of the calls since the last one', async () => {
    const { queries, batches, settle } = controlledQueries();
    const clock = new ManualClock();
    const recorder = createAuditRecorder({ queries, clock, vault: PLAINTEXT });
    const event = { type: 'token.introspected' as const, clientId: 'rs', detail: { active: true } };
    const first = recorder.recordSampled('introspection:rs', event);
    await settle();
    await first;
    for (let i = 0; i < 5; i += 1) await recorder.recordSampled('introspection:rs', event);
    expect(batches).toHaveLength(1);
    clock.advance(60);
    const next = recorder.recordSampled('introspection:rs', event);
    await settle();
    await next;
    expect(batches.map((batch) => batch[0].detail)).toEqual([
      { active: true, sampled: true, unrecordedSincePrevious: 0 },
      { active: true, sampled: true, unrecordedSincePrevious: 5 },
    ]);
    await recorder.recordSampled('introspection:rs', event);
    const closing = recorder.close();
    await settle();
    await closing;
    expect(batches[2][0].detail).toEqual({ active: true, sampled: true, unrecordedSincePrevious: 1, summary: true });
  });
});
