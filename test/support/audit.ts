import type { Knex } from 'knex';
import { createEventQueries } from '../../src/audit/queries.js';
import { createAuditRecorder, type AuditRecorder } from '../../src/audit/recorder.js';
import { createAuditServices, type AuditServices } from '../../src/audit/services.js';
import type { Config } from '../../src/config/load.js';
import { createPersonalDataVault, type PersonalDataVault } from '../../src/privacy/vault.js';
import { createOutboundGuard, type OutboundGuardOptions } from '../../src/outbound/guard.js';
import type { Clock } from '../../src/shared/clock.js';
import { TEST_OUTBOUND_ALLOWED, TEST_SERVER_SECRET } from './server.js';

export interface AuditHarness extends AuditServices {
  audit: AuditRecorder;
  vault: PersonalDataVault;
}

/** Webhook receivers in tests listen on loopback, which only an explicit allow-list lets webhooks reach. */
const LOOPBACK_ALLOWED: OutboundGuardOptions = { allowList: TEST_OUTBOUND_ALLOWED.split(','), requireHttps: false };

/** The recorder and the audit services on a test database, wired as the container wires them. */
export function auditOn(db: Knex, clock: Clock, serverSecrets: string[] = [TEST_SERVER_SECRET], outbound: OutboundGuardOptions = LOOPBACK_ALLOWED): AuditHarness {
  const config = { serverSecrets } as unknown as Config;
  const guard = createOutboundGuard(outbound);
  const vault = createPersonalDataVault({ db, serverSecrets, clock });
  const audit = createAuditRecorder({ queries: createEventQueries(db), clock, vault });
  // Closing the harness closes the webhook connections too, so no socket outlives the test file.
  const close = async () => {
    await audit.close();
    await guard.close();
  };
  return { audit: { ...audit, close }, vault, ...createAuditServices({ config, db, clock, outbound: guard, vault }) };
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
