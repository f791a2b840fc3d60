import { z } from 'zod';
import 'zod-openapi';
import { EVENT_TYPES } from './event-types.js';

/**
 * An event as the admin API, the NDJSON export and webhooks show it (`StoredEvent`), for the OpenAPI
 * document. Responses are not validated against it; the admin API's test compares a live answer.
 */
export const storedEventSchema = z
  .object({
    id: z.string().regex(/^\d+$/).meta({ description: 'Monotonic and gap-free, in commit order; a decimal string' }),
    occurred_at: z.string().meta({ description: 'UTC with microseconds, e.g. 2026-11-27T10:00:00.123000Z' }),
    type: z.enum(EVENT_TYPES).meta({ description: 'The catalogue is docs/events.md' }),
    outcome: z.enum(['success', 'failure']),
    actor_type: z.enum(['account', 'client', 'system', 'anonymous', 'directory']),
    actor_id: z.string().nullable(),
    account_id: z.string().nullable().meta({ description: 'The account the event is about' }),
    client_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable().meta({ description: 'As sent; escape it before showing it' }),
    request_id: z.string().nullable().meta({ description: 'The X-Request-Id of the request that caused it' }),
    detail: z.record(z.string(), z.unknown()).meta({ description: 'Per type, see docs/events.md; at most 8 KiB, never a secret' }),
    hash: z.string().nullable().meta({ description: "This row's link in the hash chain (null before the chain existed)" }),
  })
  .meta({ id: 'Event', description: 'One audit event' });

export const eventPageSchema = z
  .object({
    items: z.array(storedEventSchema),
    next_cursor: z.string().nullable().meta({ description: 'Pass back as `cursor` (with the same `order`) for the next page; null on the last page' }),
  })
  .meta({ id: 'EventPage' });
