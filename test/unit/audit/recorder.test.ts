import { describe, expect, it } from '@jest/globals';
import { createAuditRecorder } from '../../../src/audit/recorder.js';
import type { EventQueries, NewEvent } from '../../../src/audit/queries.js';

/** Fake queries whose INSERTs finish only when the test says so. */
function setup(options: { failWhen?: (rows: NewEvent[]) => boolean } = {}) {
  const inserts: NewEvent[][] = [];
  const finishers: (() => void)[] = [];
  const queries = {
    insertEvents: (rows: NewEvent[]) =>
      new Promise<void>((resolve, reject) => {
        inserts.push(rows);
        finishers.push(() => (options.failWhen?.(rows) ? reject(new Error('insert failed')) : resolve()));
      }),
    listRecentEvents: async () => [],
  } as unknown as EventQueries;
  const recorder = createAuditRecorder({ queries, clock: { now: () => new Date(0) } });
  const finishNext = async () => {
    finishers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { recorder, inserts, finishNext };
}

describe('audit recorder', () => {
  it('writes a lone event at once, in its own INSERT', async () => {
    const { recorder, inserts, finishNext } = setup();
    const done = recorder.record({ type: 'logout', accountId: 'a' });
    expect(inserts).toHaveLength(1);
    expect(inserts[0][0]).toMatchObject({ type: 'logout', actor_type: 'account', actor_id: 'a' });
    await finishNext();
    await expect(done).resolves.toBeUndefined();
  });

  it('groups the events recorded during a write into the next INSERT, and settles each caller only when its row is stored', async () => {
    const { recorder, inserts, finishNext } = setup();
    const first = recorder.record({ type: 'logout' });
    let laterSettled = false;
    const later = [recorder.record({ type: 'token.issued' }), recorder.record({ type: 'token.revoked' })];
    void Promise.all(later).then(() => (laterSettled = true));
    expect(inserts).toHaveLength(1);
    await finishNext();
    await first;
    expect(laterSettled).toBe(false);
    expect(inserts).toHaveLength(2);
    expect(inserts[1].map((row) => row.type)).toEqual(['token.issued', 'token.revoked']);
    await finishNext();
    await Promise.all(later);
    expect(laterSettled).toBe(true);
  });

  it('fails only the request whose row cannot be stored when a batch fails', async () => {
    const { recorder, inserts, finishNext } = setup({ failWhen: (rows) => rows.some((row) => row.type === 'grant.revoked') });
    const first = recorder.record({ type: 'logout' });
    const good = recorder.record({ type: 'token.issued' });
    const bad = recorder.record({ type: 'grant.revoked' }).then(
      () => 'stored',
      (error: Error) => error.message,
    );
    await finishNext();
    await first;
    await finishNext(); // the batch of two fails; its rows are retried one by one
    await finishNext();
    await finishNext();
    await expect(good).resolves.toBeUndefined();
    await expect(bad).resolves.toBe('insert failed');
    expect(inserts.map((rows) => rows.map((row) => row.type))).toEqual([['logout'], ['token.issued', 'grant.revoked'], ['token.issued'], ['grant.revoked']]);
  });
});
