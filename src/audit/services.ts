import type { Knex } from 'knex';
import type { Config } from '../config/load.js';
import type { OutboundGuard } from '../outbound/guard.js';
import type { PersonalDataVault } from '../privacy/vault.js';
import type { Clock } from '../shared/clock.js';
import { createEventIntegrity } from './integrity.js';
import { createEventQueries } from './queries.js';
import { createEventReader } from './service.js';
import { createWebhookQueries } from './webhook-queries.js';
import { createWebhookService } from './webhook-service.js';

/** The audit trail's services beyond the recorder: reading and verifying the log, and webhooks. */
export function createAuditServices(deps: { config: Config; db: Knex; clock: Clock; outbound: OutboundGuard; vault: PersonalDataVault }) {
  const { config, db, clock, outbound, vault } = deps;
  const queries = createEventQueries(db);
  // Webhooks deliver an event as it reads now: personal values decrypted, or erased.
  const revealed = {
    ...queries,
    async findEvent(id: string) {
      const event = await queries.findEvent(id);
      return event ? (await vault.reveal([event]))[0] : undefined;
    },
  };
  return {
    events: {
      ...createEventReader({ queries, vault }),
      ...createEventIntegrity({ queries, clock, serverSecrets: config.serverSecrets }),
    },
    webhooks: createWebhookService({ queries: createWebhookQueries(db), events: revealed, clock, serverSecrets: config.serverSecrets, outbound }),
  };
}

export type AuditServices = ReturnType<typeof createAuditServices>;
export type EventService = AuditServices['events'];
