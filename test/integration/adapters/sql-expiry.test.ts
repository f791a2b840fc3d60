import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSqlAdapter, purgeExpiredModels } from '../../../src/oidc/adapters/sql-adapter.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { ManualClock } from '../../support/manual-clock.js';
import { accessToken, newId } from './payloads.js';


/** What SQL must do itself because, unlike Redis, it has no TTL: filter by time, and purge. */
describe('SQL adapter expiry', () => {
  let testDatabase: TestDatabase;
  const clock = new ManualClock();

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
  });
  afterAll(() => testDatabase.destroy());

  it('finds a record up to the last millisecond of its lifetime and not at its end', async () => {
    const adapter = createSqlAdapter(testDatabase.database.db, clock, 'AccessToken');
    const id = newId('at');
    await adapter.upsert(id, accessToken(id, newId('grant')), 60);
    clock.advance(59.999);
    expect(await adapter.find(id)).toMatchObject({ jti: id });
    clock.advance(0.001);
    expect(await adapter.find(id)).toBeUndefined();
  });

  it('purges expired records only', async () => {
    const { db } = testDatabase.database;
    await db('oidc_models').delete();
    const adapter = createSqlAdapter(db, clock, 'AccessToken');
    const [expired, live, forever] = [newId('at'), newId('at'), newId('at')];
    await adapter.upsert(expired, accessToken(expired, newId('grant')), 60);
    await adapter.upsert(live, accessToken(live, newId('grant')), 600);
    await adapter.upsert(forever, accessToken(forever, newId('grant')));
    clock.advance(120);
    await purgeExpiredModels(db, clock.now());
    expect(await db('oidc_models').select('id')).toHaveLength(2);
    expect(await adapter.find(live)).toMatchObject({ jti: live });
    expect(await adapter.find(forever)).toMatchObject({ jti: forever });
  });

  it('reports how many records it purged, as a number', async () => {
    const { db } = testDatabase.database;
    await db('oidc_models').delete();
    const adapter = createSqlAdapter(db, clock, 'AccessToken');
    const id = newId('at');
    await adapter.upsert(id, accessToken(id, newId('grant')), 60);
    clock.advance(120);
    expect(await purgeExpiredModels(db, clock.now())).toBe(1);
  });
});
