import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import knexFactory, { type Knex } from 'knex';
import { chainFields, GENESIS_HASH, rowHash } from '../../../src/audit/chain.js';
import { createEventQueries } from '../../../src/audit/queries.js';
import { asSuperuser, auditOn, type AuditHarness } from '../../support/audit.js';
import { ManualClock } from '../../support/manual-clock.js';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../../support/database.js';

const DAY = 86_400_000;

async function recordMany(harness: AuditHarness, count: number, prefix = 'user') {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      harness.audit.record({ type: 'login.succeeded', accountId: `${prefix}-${i}`, origin: { ip: '127.0.0.1', requestId: `req-${i}` }, detail: { amr: ['pwd'], n: i } }),
    ),
  );
}

async function ids(db: Knex): Promise<number[]> {
  return (await db('events').select(db.raw('id::text as id')).orderBy('events.id')).map((row: { id: string }) => Number(row.id));
}

describe('the event chain', () => {
  let testDatabase: TestDatabase;
  let db: Knex;
  const clock = new ManualClock();
  let harness: AuditHarness;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    db = testDatabase.database.db;
    harness = auditOn(db, clock);
    await recordMany(harness, 40);
  });
  afterAll(async () => {
    await harness.audit.close();
    await testDatabase.destroy();
  });

  it('links every row to the one before it, with gap-free ids in commit order', async () => {
    expect(await ids(db)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const rows = await createEventQueries(db).readChain('0', 100);
    let previous = GENESIS_HASH;
    for (const row of rows) {
      expect(row.hash).toBe(rowHash(previous, chainFields(row)));
      previous = row.hash!;
    }
    const report = await harness.events.verify();
    expect(report).toMatchObject({ ok: true, checked: 40, unchained: 0, head: { id: '40', hash: previous } });
  });

  it('refuses updates, deletes and truncation from the application role', async () => {
    await expect(db('events').where({ id: 1 }).update({ type: 'logout' })).rejects.toThrow(/append-only/);
    await expect(db('events').where({ id: 1 }).del()).rejects.toThrow(/append-only/);
    await expect(db.raw('truncate events')).rejects.toThrow(/append-only/);
    await harness.events.seal();
    await expect(db('event_checkpoints').update({ through_id: 1 })).rejects.toThrow(/append-only/);
    await expect(db('event_checkpoints').del()).rejects.toThrow(/append-only/);
    expect(await ids(db)).toHaveLength(40);
  });

  it('reports an edited row as the first broken link, and verifies again once it is restored', async () => {
    const original = await db('events').where({ id: 17 }).first();
    await asSuperuser(db, (admin) => admin('events').where({ id: 17 }).update({ detail: JSON.stringify({ amr: ['pwd'], n: 999 }) }));
    const report = await harness.events.verify();
    expect(report.ok).toBe(false);
    expect(report.broken).toMatchObject({ eventId: '17', reason: expect.stringContaining('edited') });
    expect(report.checked).toBe(16);

    await asSuperuser(db, (admin) => admin('events').where({ id: 17 }).update({ detail: JSON.stringify(original.detail) }));
    expect((await harness.events.verify()).ok).toBe(true);
  });

  it('reports a row deleted from the middle', async () => {
    const row = await db('events').where({ id: 9 }).first();
    await asSuperuser(db, (admin) => admin('events').where({ id: 9 }).del());
    expect((await harness.events.verify()).broken).toMatchObject({ eventId: '10' });
    await asSuperuser(db, (admin) => admin('events').insert(row));
    expect((await harness.events.verify()).ok).toBe(true);
  });

  it('catches a rewrite that recomputes every later hash, thanks to the signed seal', async () => {
    await harness.events.seal();
    const before = await db('events').where('id', '>=', 30).orderBy('id');
    await asSuperuser(db, async (admin) => {
      const queries = createEventQueries(admin);
      let previous = (await admin('events').where({ id: 29 }).first()).hash as string;
      for (const row of await queries.readChain('29', 100)) {
        const detail = row.id === '30' ? { amr: ['pwd'], n: -1 } : row.detail;
        previous = rowHash(previous, chainFields({ ...row, detail }));
        await admin('events').where({ id: row.id }).update({ detail: JSON.stringify(detail), hash: previous });
      }
    });
    const report = await harness.events.verify();
    expect(report.ok).toBe(false);
    expect(report.broken?.reason).toContain('seal');
    await asSuperuser(db, async (admin) => {
      for (const row of before) await admin('events').where({ id: row.id }).update({ detail: JSON.stringify(row.detail), hash: row.hash });
    });
    expect((await harness.events.verify()).ok).toBe(true);
  });

  it('catches events cut off the end after a seal', async () => {
    const last = await db('events').orderBy('id', 'desc').first();
    await asSuperuser(db, (admin) => admin('events').where({ id: last.id }).del());
    expect((await harness.events.verify()).broken).toMatchObject({ eventId: String(last.id), reason: expect.stringContaining('end') });
    await asSuperuser(db, (admin) => admin('events').insert(last));
    expect((await harness.events.verify()).ok).toBe(true);
  });

  it('rejects a checkpoint that was not signed with SERVER_SECRET', async () => {
    await db('event_checkpoints').insert({ kind: 'prune', through_id: 20, through_hash: GENESIS_HASH, events_removed: 20, created_at: clock.now(), signature: 'forged' });
    // The trigger now lets rows up to 20 go, but verify refuses the unsigned checkpoint that allowed it.
    const report = await harness.events.verify();
    expect(report.broken).toMatchObject({ checkpointId: expect.any(String), reason: expect.stringContaining('signature') });
    await asSuperuser(db, (admin) => admin('event_checkpoints').where({ signature: 'forged' }).del());
    expect((await harness.events.verify()).ok).toBe(true);
  });

  it('does not verify under a different SERVER_SECRET', async () => {
    const stranger = auditOn(db, clock, ['some-other-secret-that-is-long-enough-0123']);
    expect((await stranger.events.verify()).broken?.reason).toContain('signature');
  });
});

describe('pruning', () => {
  let testDatabase: TestDatabase;
  let db: Knex;
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
  let harness: AuditHarness;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    db = testDatabase.database.db;
    harness = auditOn(db, clock);
    for (let day = 0; day < 5; day += 1) {
      await recordMany(harness, 3, `day${day}`);
      clock.advance(DAY / 1000);
    }
  });
  afterAll(async () => {
    await harness.audit.close();
    await testDatabase.destroy();
  });

  it('removes events older than the cutoff behind a signed checkpoint, and the rest still verifies', async () => {
    await harness.events.seal();
    const checkpoint = await harness.events.prune(new Date('2026-01-03T00:00:00.000Z'));
    expect(checkpoint).toMatchObject({ kind: 'prune', throughId: '6', eventsRemoved: '6' });
    expect(await ids(db)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(await harness.events.verify()).toMatchObject({ ok: true, checked: 9, checkpoints: { prune: 1, seal: 1 } });
    expect(await harness.events.prune(new Date('2026-01-03T00:00:00.000Z'))).toBeUndefined();
  });

  it('still refuses to delete rows no checkpoint covers', async () => {
    await expect(db('events').where({ id: 7 }).del()).rejects.toThrow(/append-only/);
  });

  it('continues the chain after pruning, even when every event was pruned', async () => {
    await recordMany(harness, 2, 'later');
    expect(await harness.events.prune(new Date(clock.now().getTime() + DAY))).toMatchObject({ throughId: '17', eventsRemoved: '11' });
    expect(await ids(db)).toEqual([]);
    expect(await harness.events.verify()).toMatchObject({ ok: true, checked: 0, head: { id: '17' } });
    // The seal of event 15 went with it; prune checkpoints stay.
    expect(await db('event_checkpoints').select('kind')).toEqual([{ kind: 'prune' }, { kind: 'prune' }]);
    await recordMany(harness, 3, 'after');
    expect(await ids(db)).toEqual([18, 19, 20]);
    expect(await harness.events.verify()).toMatchObject({ ok: true, checked: 3, head: { id: '20' } });
  });

  it('reports events removed at the start without a checkpoint', async () => {
    const row = await db('events').where({ id: 18 }).first();
    await asSuperuser(db, (admin) => admin('events').where({ id: 18 }).del());
    expect((await harness.events.verify()).broken).toMatchObject({ eventId: '19', reason: expect.stringContaining('missing') });
    await asSuperuser(db, (admin) => admin('events').insert(row));
  });
});

describe('several writers at once', () => {
  let testDatabase: TestDatabase;
  let second: Knex | undefined;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
  });
  afterAll(async () => {
    await second?.destroy();
    await testDatabase.destroy();
  });

  it('build one linear chain (on PostgreSQL: two connection pools, as two instances would have)', async () => {
    const db = testDatabase.database.db;
    // Embedded mode has one connection by design, so both "instances" share it there.
    second = usingPostgres()
      ? knexFactory({ client: 'pg', connection: process.env.DATABASE_URL, searchPath: [testDatabase.schema!], pool: { min: 0, max: 5 } })
      : undefined;
    const clock = new ManualClock();
    const one = auditOn(db, clock);
    const two = auditOn(second ?? db, clock);
    await Promise.all([recordMany(one, 150, 'one'), recordMany(two, 150, 'two'), recordMany(one, 50, 'three')]);
    expect(await ids(db)).toEqual(Array.from({ length: 350 }, (_, i) => i + 1));
    expect(await one.events.verify()).toMatchObject({ ok: true, checked: 350 });
    await Promise.all([one.audit.close(), two.audit.close()]);
  });

  it('chains onto what another writer appended since this one last wrote (its remembered head is stale)', async () => {
    const db = testDatabase.database.db;
    const clock = new ManualClock();
    const before = (await ids(db)).length;
    const one = auditOn(db, clock);
    const two = auditOn(db, clock);
    await recordMany(one, 3, 'first');
    await recordMany(two, 2, 'second');
    await recordMany(one, 4, 'first-again');
    await recordMany(one, 1, 'first-fast-path');
    expect(await ids(db)).toEqual(Array.from({ length: before + 10 }, (_, i) => i + 1));
    expect(await one.events.verify()).toMatchObject({ ok: true, checked: before + 10 });
    await Promise.all([one.audit.close(), two.audit.close()]);
  });
});

describe('a log that began before the chain', () => {
  let testDatabase: TestDatabase;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
  });
  afterAll(() => testDatabase.destroy());

  it('reports the older rows as unchained and verifies the chain after them', async () => {
    const db = testDatabase.database.db;
    // Rows written before the chain migration: no hash, ids from the old sequence.
    await db.raw('alter table events drop constraint events_hash_present');
    await db('events').insert([1, 2].map((id) => ({ id, occurred_at: new Date(), type: 'logout', outcome: 'success', actor_type: 'anonymous', detail: {} })));
    await db.raw('alter table events add constraint events_hash_present check (hash is not null) not valid');
    const harness = auditOn(db, new ManualClock());
    await recordMany(harness, 3);
    expect(await harness.events.verify()).toMatchObject({ ok: true, unchained: 2, checked: 3, head: { id: '5' } });
    await expect(db('events').insert({ id: 6, occurred_at: new Date(), type: 'logout', outcome: 'success', actor_type: 'anonymous', detail: {} })).rejects.toThrow(/events_hash_present/);
    await harness.audit.close();
  });
});
