import type { Knex } from 'knex';
import { createEventQueries } from '../../src/audit/queries.js';
import { createAuditRecorder, type AuditRecorder } from '../../src/audit/recorder.js';
import { createAuditServices, type AuditServices } from '../../src/audit/services.js';
import type { Config } from '../../src/config/load.js';
import type { Clock } from '../../src/shared/clock.js';
import { TEST_SERVER_SECRET } from './server.js';

export interface AuditHarness extends AuditServices {
  audit: AuditRecorder;
}

/** The recorder and the audit services on a test database, wired as the container wires them. */
export function auditOn(db: Knex, clock: Clock, serverSecrets: string[] = [TEST_SERVER_SECRET]): AuditHarness {
  const config = { serverSecrets } as unknown as Config;
  return { audit: createAuditRecorder({ queries: createEventQueries(db), clock }), ...createAuditServices({ config, db, clock }) };
}

/**
 * Runs `change` with the append-only trigger switched off, as a superuser (or the table owner)
 * could: what the tamper checks must catch.
 */
export async function asSuperuser(db: Knex, change: (db: Knex) => Promise<unknown>): Promise<void> {
  await db.raw('alter table events disable trigger events_append_only');
  await db.raw('alter table event_checkpoints disable trigger event_checkpoints_append_only');
  try {
    await change(db);
  } finally {
    await db.raw('alter table events enable trigger events_append_only');
    await db.raw('alter table event_checkpoints enable trigger event_checkpoints_append_only');
  }
}
