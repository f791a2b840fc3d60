import type { RequestOrigin } from '../http/request-context.js';
import type { EventType } from './event-types.js';
import type { AuditRecorder } from './recorder.js';

/** Who made an administrative change: a client of the admin API, the CLI, a person, or a SCIM directory. */
export interface Actor {
  type: 'client' | 'account' | 'system' | 'directory';
  id: string;
  origin?: RequestOrigin;
}

export const CLI_ACTOR: Actor = { type: 'system', id: 'cli' };

export const MASKED = '[masked]';

export type FieldChanges = Record<string, { before: unknown; after: unknown }>;

/**
 * The fields that differ between two versions of a record, each with its value before and after.
 * A created record has no `before`, a deleted one no `after`. Fields named in `secret` show only
 * that they changed, never their value.
 */
export function diffFields(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  options: { ignore?: readonly string[]; secret?: readonly string[] } = {},
): FieldChanges {
  const ignore = new Set(['created_at', 'updated_at', ...(options.ignore ?? [])]);
  const secret = new Set(options.secret ?? []);
  const changes: FieldChanges = {};
  for (const field of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    if (ignore.has(field)) continue;
    const was = before?.[field] ?? null;
    const is = after?.[field] ?? null;
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    changes[field] = secret.has(field)
      ? { before: was === null ? null : MASKED, after: is === null ? null : MASKED }
      : { before: was, after: is };
  }
  return changes;
}

export interface ChangeTarget {
  type: string;
  id: string;
  name?: string;
}

/** Writes the audit event of one administrative change. */
export function recordChange(
  audit: AuditRecorder,
  event: {
    type: EventType;
    actor: Actor;
    target: ChangeTarget;
    changes?: FieldChanges;
    accountId?: string;
    clientId?: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  return audit.record({
    type: event.type,
    actor: { type: event.actor.type, id: event.actor.id },
    origin: event.actor.origin,
    accountId: event.accountId,
    clientId: event.clientId,
    detail: { target: event.target, ...(event.changes ? { changes: event.changes } : {}), ...event.detail },
  });
}
