import type { Clock } from '../shared/clock.js';
import type { EventType } from './event-types.js';
import type { EventQueries, NewEvent } from './queries.js';
import type { RequestOrigin } from '../http/request-context.js';

export interface AuditEvent {
  type: EventType;
  outcome?: 'success' | 'failure';
  actor?: { type: NewEvent['actor_type']; id?: string };
  accountId?: string;
  clientId?: string;
  origin?: RequestOrigin;
  /** Small and free of secrets: never a password, token, code or link. */
  detail?: Record<string, unknown>;
}

const MAX_USER_AGENT = 512;

export interface AuditRecorder {
  record(event: AuditEvent): Promise<void>;
}

/**
 * Writes events to the append-only events table. The write is awaited, so a request whose event
 * could not be stored fails instead of succeeding unlogged.
 */
export function createAuditRecorder(deps: { queries: EventQueries; clock: Clock }): AuditRecorder {
  return {
    async record(event) {
      const actor = event.actor ?? (event.accountId ? { type: 'account' as const, id: event.accountId } : { type: 'anonymous' as const });
      await deps.queries.insertEvents([
        {
          occurred_at: deps.clock.now(),
          type: event.type,
          outcome: event.outcome ?? 'success',
          actor_type: actor.type,
          actor_id: actor.id ?? null,
          account_id: event.accountId ?? null,
          client_id: event.clientId ?? null,
          ip: event.origin?.ip ?? null,
          user_agent: event.origin?.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
          request_id: event.origin?.requestId ?? null,
          detail: event.detail ?? {},
        },
      ]);
    },
  };
}
