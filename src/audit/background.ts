import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { AuditRecorder } from './recorder.js';
import type { EventService } from './services.js';
import type { WebhookService } from './webhook-service.js';

export interface AuditBackgroundOptions {
  /** How often to look for due webhook deliveries when nothing nudges (retries, other instances' events). */
  deliveryPollMs?: number;
  /** How often to seal the head of the chain and apply the retention period. */
  maintenanceMs?: number;
}

/**
 * The audit trail's upkeep in a running server: delivering webhooks (at once after a batch queued
 * some, and by polling for retries), sealing the chain's head, and pruning past AUDIT_RETENTION_DAYS.
 * `stop` lets work in flight finish, writes what the recorder still holds, and seals the head.
 */
export function createAuditBackground(deps: {
  events: EventService;
  webhooks: WebhookService;
  /** Back-channel logout tokens (src/oidc/backchannel-logout.ts): the same worker, polling and backoff. */
  logouts?: { deliverDue(): Promise<{ deliveryId: string; clientId: string; result: string; status?: number; error?: string }[]> };
  audit: AuditRecorder;
  clock: Clock;
  logger: Logger;
  retentionDays?: number;
  options?: AuditBackgroundOptions;
}) {
  const { logger } = deps;
  const deliveryPollMs = deps.options?.deliveryPollMs ?? 1000;
  const maintenanceMs = deps.options?.maintenanceMs ?? 5 * 60_000;
  let started = false;
  let stopped = false;
  let deliveryTimer: NodeJS.Timeout | undefined;
  let maintenanceTimer: NodeJS.Timeout | undefined;
  let delivering: Promise<void> | undefined;
  let maintaining: Promise<void> | undefined;
  let again = false;

  async function deliverAll(): Promise<void> {
    for (;;) {
      const outcomes = await deps.webhooks.deliverDue();
      for (const outcome of outcomes.filter((o) => o.result === 'retrying' || o.result === 'failed')) {
        logger.warn({ webhookId: outcome.webhookId, deliveryId: outcome.deliveryId, eventId: outcome.eventId, result: outcome.result, status: outcome.status, error: outcome.error }, 'webhook delivery failed');
      }
      const logouts = (await deps.logouts?.deliverDue()) ?? [];
      for (const outcome of logouts.filter((o) => o.result !== 'delivered')) {
        logger.warn({ clientId: outcome.clientId, deliveryId: outcome.deliveryId, result: outcome.result, status: outcome.status, error: outcome.error }, 'back-channel logout delivery failed');
      }
      if ((outcomes.length === 0 && logouts.length === 0) || stopped) return;
    }
  }

  function deliveryTick(): void {
    if (stopped) return;
    if (delivering) {
      again = true;
      return;
    }
    clearTimeout(deliveryTimer);
    delivering = deliverAll()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not deliver webhooks'))
      .finally(() => {
        delivering = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          setImmediate(deliveryTick);
        } else {
          deliveryTimer = setTimeout(deliveryTick, deliveryPollMs);
          deliveryTimer.unref();
        }
      });
  }

  /** Seals the head and prunes past the retention period; returns what it did. */
  async function maintain(): Promise<{ sealed: boolean; pruned?: { throughId: string; eventsRemoved: string } }> {
    let pruned;
    if (deps.retentionDays) {
      const cutoff = new Date(deps.clock.now().getTime() - deps.retentionDays * 86_400_000);
      const checkpoint = await deps.events.prune(cutoff);
      if (checkpoint) {
        pruned = { throughId: checkpoint.throughId, eventsRemoved: checkpoint.eventsRemoved };
        await deps.audit.record({ type: 'audit.pruned', actor: { type: 'system', id: 'retention' }, detail: { ...pruned, retentionDays: deps.retentionDays } });
      }
    }
    const sealed = Boolean(await deps.events.seal());
    return { sealed, pruned };
  }

  function maintenanceTick(): void {
    if (stopped || maintaining) return;
    maintaining = maintain()
      .then(() => undefined, (error: unknown) => logger.warn({ err: error }, 'could not seal or prune the event log'))
      .finally(() => {
        maintaining = undefined;
      });
  }

  deps.audit.onAppended((deliveries) => {
    if (started && deliveries > 0) setImmediate(deliveryTick);
  });

  return {
    maintain,
    deliverAll,

    /** Something was queued outside the event log (a logout token): deliver now rather than at the next poll. */
    nudge(): void {
      if (started) setImmediate(deliveryTick);
    },

    start(): void {
      if (started) return;
      started = true;
      setImmediate(deliveryTick);
      maintenanceTimer = setInterval(maintenanceTick, maintenanceMs);
      maintenanceTimer.unref();
    },

    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(deliveryTimer);
      clearInterval(maintenanceTimer);
      await Promise.allSettled([delivering, maintaining]);
      await deps.audit.close();
      await deps.events.seal().catch((error: unknown) => logger.warn({ err: error }, 'could not seal the event log at shutdown'));
    },
  };
}

export type AuditBackground = ReturnType<typeof createAuditBackground>;
