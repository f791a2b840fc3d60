import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from 'knex';
import { ERASED } from '../../../src/privacy/personal-fields.js';
import { auditOn, type AuditHarness } from '../../support/audit.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { ManualClock } from '../../support/manual-clock.js';

const ALICE = '6f0c1c1e-0000-4000-8000-00000000a11c';
const BOB = '6f0c1c1e-0000-4000-8000-000000000b0b';
/** Where an operator's change came from: the operator's, not the person's, so it is never erased with them. */
const OPERATOR = { ip: '192.0.2.200', userAgent: 'AdminTool/1', requestId: 'req-admin' };
const PERSONAL = { email: 'alice.erasure@example.test', name: 'Alice Shredded', ip: '198.51.100.77', ua: 'AliceBrowser/9.1', attribute: 'cost-centre-4711' };

/** Everything in the events table as text, as a dump of it would show. */
async function eventsText(db: Knex): Promise<string> {
  const rows = await db('events').select('*');
  return JSON.stringify(rows);
}

describe('personal data in audit events is encrypted per account and erased with its key', () => {
  let testDatabase: TestDatabase;
  let db: Knex;
  const clock = new ManualClock();
  let harness: AuditHarness;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    db = testDatabase.database.db;
    harness = auditOn(db, clock);
    const origin = { ip: PERSONAL.ip, userAgent: PERSONAL.ua, requestId: 'req-alice' };
    await harness.audit.record({ type: 'login.succeeded', accountId: ALICE, origin, detail: { amr: ['pwd'] } });
    await harness.audit.record({
      type: 'account.updated', actor: { type: 'client', id: 'admin-client' }, accountId: ALICE, origin: OPERATOR,
      detail: {
        target: { type: 'account', id: ALICE, name: PERSONAL.email },
        changes: { name: { before: 'Alice', after: PERSONAL.name }, attributes: { before: null, after: { costCentre: PERSONAL.attribute } } },
      },
    });
    await harness.audit.record({ type: 'login.succeeded', accountId: BOB, origin: { ip: '203.0.113.9', userAgent: 'BobBrowser/1' } });
    await harness.audit.record({ type: 'login.failed', outcome: 'failure', origin: { ip: '192.0.2.1', userAgent: 'Anon/1' }, detail: { reason: 'unknown_account' } });
  });
  afterAll(async () => {
    await harness.audit.close();
    await testDatabase.destroy();
  });

  it('stores only ciphertext of an account event’s personal values, and the chain covers it', async () => {
    const stored = await eventsText(db);
    for (const value of Object.values(PERSONAL)) expect(stored).not.toContain(value);
    const raw = await db('events').where({ account_id: ALICE, actor_type: 'account' }).select('ip', 'user_agent');
    expect(raw).toHaveLength(1);
    for (const row of raw) {
      expect(row.ip).toMatch(/^pd1\./);
      expect(row.user_agent).toMatch(/^pd1\./);
    }
    // An event about nobody has no key to be encrypted under; retention (pruning) covers it.
    expect(stored).toContain('192.0.2.1');
    expect(await harness.events.verify()).toMatchObject({ ok: true, checked: 4 });
  });

  it('reads decrypted through the reader, the export, a single event and the ip filter', async () => {
    const { items } = await harness.events.list({ accountId: ALICE }, { limit: 10, order: 'asc' });
    expect(items.map((event) => [event.ip, event.user_agent])).toEqual([[PERSONAL.ip, PERSONAL.ua], [OPERATOR.ip, OPERATOR.userAgent]]);
    expect(items[1].detail).toMatchObject({
      target: { type: 'account', id: ALICE, name: PERSONAL.email },
      changes: { name: { before: 'Alice', after: PERSONAL.name }, attributes: { before: null, after: { costCentre: PERSONAL.attribute } } },
    });
    const exported = [];
    for await (const event of harness.events.export({})) exported.push(event);
    expect(exported.map((event) => event.ip)).toEqual([PERSONAL.ip, OPERATOR.ip, '203.0.113.9', '192.0.2.1']);
    expect((await harness.events.find(items[0].id))?.user_agent).toBe(PERSONAL.ua);
    const byIp = await harness.events.list({ ip: PERSONAL.ip }, { limit: 1, order: 'desc' });
    expect(byIp.items.map((event) => event.type)).toEqual(['login.succeeded']);
    expect(byIp.next_cursor).toBeNull();
    expect((await harness.events.list({ ip: OPERATOR.ip }, { limit: 5, order: 'asc' })).items.map((event) => event.type)).toEqual(['account.updated']);
    expect((await harness.events.list({ ip: '192.0.2.1' }, { limit: 5, order: 'asc' })).items).toHaveLength(1);
  });

  it('after the key is destroyed, the personal values read as erased, other accounts are untouched, and the chain verifies', async () => {
    await db.transaction((trx) => harness.vault.eraseKey(trx, ALICE));
    const { items } = await harness.events.list({ accountId: ALICE }, { limit: 10, order: 'asc' });
    expect(items).toHaveLength(2);
    expect(items.map((event) => [event.ip, event.user_agent])).toEqual([[ERASED, ERASED], [OPERATOR.ip, OPERATOR.userAgent]]);
    expect(items[1].detail).toEqual({
      target: { type: 'account', id: ALICE, name: ERASED },
      changes: { name: { before: ERASED, after: ERASED }, attributes: { before: null, after: ERASED } },
    });
    // The facts stay: what happened, when, to which pseudonymous account.
    expect(items.map((event) => event.type)).toEqual(['login.succeeded', 'account.updated']);
    const bob = await harness.events.list({ accountId: BOB }, { limit: 10, order: 'asc' });
    expect(bob.items[0]).toMatchObject({ ip: '203.0.113.9', user_agent: 'BobBrowser/1' });
    expect((await harness.events.list({ ip: PERSONAL.ip }, { limit: 5, order: 'asc' })).items).toEqual([]);
    expect(await harness.events.verify()).toMatchObject({ ok: true, checked: 4 });
    expect(JSON.stringify(await db('account_data_keys').where({ account_id: ALICE }))).toMatch(/"sealed_key":null/);
  });

  it('an event about an erased account is stored already erased, never under a new key', async () => {
    await harness.audit.record({ type: 'account.deleted', accountId: ALICE, origin: { ip: PERSONAL.ip, userAgent: PERSONAL.ua }, detail: { target: { type: 'account', id: ALICE, name: PERSONAL.email } } });
    const stored = await eventsText(db);
    for (const value of Object.values(PERSONAL)) expect(stored).not.toContain(value);
    const [latest] = (await harness.events.list({ accountId: ALICE }, { limit: 1, order: 'desc' })).items;
    expect(latest).toMatchObject({ type: 'account.deleted', ip: ERASED, user_agent: ERASED, detail: { target: { name: ERASED } } });
    expect(await harness.events.verify()).toMatchObject({ ok: true, checked: 5 });
  });

  it('a ciphertext moved into another account’s event does not open there', async () => {
    const [alice] = await db('events').where({ account_id: ALICE }).select('ip').limit(1);
    const { revealRow } = await import('../../../src/privacy/personal-fields.js');
    const [bobKey] = await db('account_data_keys').where({ account_id: BOB }).select('sealed_key');
    expect(bobKey.sealed_key).toBeTruthy();
    const { SecretBox } = await import('../../../src/shared/secret-box.js');
    const { TEST_SERVER_SECRET } = await import('../../support/server.js');
    const key = Buffer.from(new SecretBox([TEST_SERVER_SECRET], 'account-data-key').open(bobKey.sealed_key), 'base64url');
    expect(revealRow({ type: 'login.succeeded', actor_type: 'account', account_id: BOB, ip: alice.ip, user_agent: null, detail: {} }, key).ip).toBe(ERASED);
  });
});
