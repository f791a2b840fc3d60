import { z } from 'zod';
import { EVENT_TYPES } from './event-types.js';
import type { EventFilter } from './queries.js';

/** A known event type, a category such as `login.*`, or `*`. */
export function isEventTypePattern(value: string): boolean {
  if (value === '*') return true;
  if (value.endsWith('.*')) return EVENT_TYPES.some((type) => type.startsWith(value.slice(0, -1)));
  return (EVENT_TYPES as readonly string[]).includes(value);
}

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean));

const timestamp = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

/**
 * The event filters shared by the admin API's query string and the CLI's options: each value is one
 * string (lists are comma-separated or repeated), validated once here.
 */
export const eventFilterSchema = z.object({
  type: list
    .pipe(z.array(z.string().refine(isEventTypePattern, 'unknown event type (see docs/events.md)')).max(50))
    .optional()
    .meta({ description: 'Event types, repeated or comma-separated (at most 50): a type, a category such as `login.*`, or `*`.' }),
  account: z.string().min(1).max(256).optional().meta({ description: 'The account the event is about.' }),
  client: z.string().min(1).max(256).optional().meta({ description: 'The OAuth client involved.' }),
  actor: z.string().min(1).max(256).optional().meta({ description: 'Who acted (account id, client id, or cli/startup/retention).' }),
  outcome: z.enum(['success', 'failure']).optional(),
  ip: z.string().min(1).max(64).optional(),
  from: timestamp.optional().meta({ description: 'RFC 3339, inclusive.' }),
  to: timestamp.optional().meta({ description: 'RFC 3339, exclusive.' }),
});

export type EventFilterInput = z.input<typeof eventFilterSchema>;

export function toEventFilter(parsed: z.output<typeof eventFilterSchema>): EventFilter {
  return {
    types: parsed.type,
    accountId: parsed.account,
    clientId: parsed.client,
    actorId: parsed.actor,
    outcome: parsed.outcome,
    ip: parsed.ip,
    from: parsed.from,
    to: parsed.to,
  };
}
