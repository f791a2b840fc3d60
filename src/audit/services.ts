import type { Knex } from 'knex';
import type { Config } from '../config/load.js';
import type { OutboundGuard } from '../outbound/guard.js';
import type { Clock } from '../shared/clock.js';
import { createEventIntegrity } from './integrity.js';
import { createEventQueries } from './queries.js';
import { createEventReader } from './service.js';
import { createWebhookQueries } from './webhook-queries.js';
import { createWebhookService } from './webhook-service.js';

/** The audit trail's services beyond the recorder: reading and verifying the log, and webhooks. */
export function createAuditServices(deps: { config: Config; db: Knex; clock: Clock; outbound: OutboundGuard }) {
  const { config, db, clock, outbound } = deps;
  const queries = createEventQueries(db);
  return {
    events: {
      ...createEventReader({ queries }),
      ...createEventIntegrity({ queries, clock, serverSecrets: config.serverSecrets }),
    },
    webhooks: createWebhookService({ queries: createWebhookQueries(db), events: queries, clock, serverSecrets: config.serverSecrets, outbound }),
  };
}

export type AuditServices = ReturnType<typeof createAuditServices>;
export type EventService = AuditServices['events'];
