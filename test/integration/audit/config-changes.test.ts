import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from 'knex';
import { recordConfigChanges } from '../../../src/audit/config-changes.js';
import { createConfigStateQueries } from '../../../src/audit/config-state-queries.js';
import { loadConfig } from '../../../src/config/load.js';
import { effectiveSettings } from '../../../src/config/settings.js';
import { auditOn, type AuditHarness } from '../../support/audit.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { ManualClock } from '../../support/manual-clock.js';

const FIRST_SECRET = 'first-server-secret-0123456789-abcdefghij';
const NEXT_SECRET = 'next-server-secret-0123456789-abcdefghijk';
const OTHER_SECRET = 'other-server-secret-0123456789-abcdefghij';
const BASE = {
  SERVER_SECRET: FIRST_SECRET,
  DATA_DIR: '/srv/idp',
  SMTP_URL: 'smtps://mailer:smtp-password-one@smtp.example.com:465',
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'admin-password-one',
};
const EVERY_SECRET = [FIRST_SECRET, NEXT_SECRET, OTHER_SECRET, 'smtp-password-one', 'smtp-password-two', 'admin-password-one'];

describe('configuration changes between starts', () => {
  let testDatabase: TestDatabase;
  let db: Knex;
  const clock = new ManualClock();
  let harness: AuditHarness;

  /** One start of the server with this environment, as main.ts records it. */
  const start = (env: Record<string, string>, audit: Pick<AuditHarness['audit'], 'record'> = harness.audit) => {
    const { config } = loadConfig(env);
    return recordConfigChanges({ queries: createConfigStateQueries(db), audit, clock, serverSecrets: config.serverSecrets }, effectiveSettings(env, config));
  };
  const configEvents = () => db('events').whereIn('type', ['config.loaded', 'config.changed']).orderBy('id');

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    db = testDatabase.database.db;
    harness = auditOn(db, clock);
  });
  afterAll(async () => {
    await harness.audit.close();
    await testDatabase.destroy();
  });

  it('records every setting at the first start, secrets masked, and nothing when a start changes nothing', async () => {
    expect(await start(BASE)).toEqual({ type: 'config.loaded' });
    const [loaded] = await configEvents();
    expect(loaded).toMatchObject({ type: 'config.loaded', outcome: 'success', actor_type: 'system', actor_id: 'startup' });
    expect(loaded.detail.settings).toMatchObject({
      PRODUCT_NAME: 'Identity',
      PORT: 3000,
      SERVER_SECRET: '[masked]',
      ADMIN_PASSWORD: '[masked]',
      SMTP_URL: 'smtps://[masked]@smtp.example.com:465',
    });
    expect(await start(BASE)).toBeUndefined();
    expect(await configEvents()).toHaveLength(1);
  });

  it('records one event naming each changed setting with its values, a changed secret only as masked', async () => {
    clock.advance(60);
    const result = await start({ ...BASE, PRODUCT_NAME: 'Acme ID', ACCESS_TOKEN_TTL: '600', SMTP_URL: 'smtps://mailer:smtp-password-two@smtp.example.com:465' });
    expect(result).toEqual({ type: 'config.changed', changed: ['ACCESS_TOKEN_TTL', 'PRODUCT_NAME', 'SMTP_URL'], notCompared: [] });
    const events = await configEvents();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ type: 'config.changed', actor_type: 'system', actor_id: 'startup' });
    expect(events[1].detail).toEqual({
      changes: {
        ACCESS_TOKEN_TTL: { before: 900, after: 600 },
        PRODUCT_NAME: { before: 'Identity', after: 'Acme ID' },
        SMTP_URL: { before: 'smtps://[masked]@smtp.example.com:465', after: 'smtps://[masked]@smtp.example.com:465' },
      },
    });
  });

  it('sees a rotated SERVER_SECRET, and still compares the other secrets under the older one', async () => {
    const rotated = { ...BASE, PRODUCT_NAME: 'Acme ID', ACCESS_TOKEN_TTL: '600', SMTP_URL: 'smtps://mailer:smtp-password-two@smtp.example.com:465', SERVER_SECRET: `${NEXT_SECRET},${FIRST_SECRET}` };
    expect(await start(rotated)).toEqual({ type: 'config.changed', changed: ['SERVER_SECRET'], notCompared: [] });
    expect((await configEvents()).at(-1).detail.changes).toEqual({ SERVER_SECRET: { before: '[masked]', after: '[masked]' } });
    expect(await start(rotated)).toBeUndefined();

    // A secret replaced outright leaves nothing to compare the other secrets with: they are listed as such.
    const replaced = { ...rotated, SERVER_SECRET: OTHER_SECRET };
    expect(await start(replaced)).toEqual({ type: 'config.changed', changed: ['SERVER_SECRET'], notCompared: ['ADMIN_PASSWORD', 'SMTP_URL'] });
    expect((await configEvents()).at(-1).detail.notCompared).toEqual(['ADMIN_PASSWORD', 'SMTP_URL']);
    expect(await start(replaced)).toBeUndefined();
  });

  it('records a change once when instances start together, and keeps it for the next start when the event cannot be stored', async () => {
    const before = (await configEvents()).length;
    const together = { ...BASE, SERVER_SECRET: OTHER_SECRET, PRODUCT_NAME: 'Acme ID', ACCESS_TOKEN_TTL: '600', SMTP_URL: 'smtps://mailer:smtp-password-two@smtp.example.com:465', LOG_LEVEL: 'warn' };
    const results = await Promise.all([start(together), start(together), start(together)]);
    expect(results.filter(Boolean)).toEqual([{ type: 'config.changed', changed: ['LOG_LEVEL'], notCompared: [] }]);
    expect(await configEvents()).toHaveLength(before + 1);

    const failing = { record: () => Promise.reject(new Error('the audit log cannot be written')) };
    const next = { ...together, LOG_LEVEL: 'debug' };
    await expect(start(next, failing)).rejects.toThrow('cannot be written');
    expect(await start(next)).toEqual({ type: 'config.changed', changed: ['LOG_LEVEL'], notCompared: [] });
    expect((await configEvents()).at(-1).detail.changes).toEqual({ LOG_LEVEL: { before: 'warn', after: 'debug' } });
  });

  it('never stores a secret: not in the events, not in the stored snapshot', async () => {
    const stored = JSON.stringify([await db('events').select('*'), await db('config_state').select('*')]);
    for (const secret of EVERY_SECRET) expect(stored).not.toContain(secret);
  });
});
