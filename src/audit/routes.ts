import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { parseInput } from '../http/validate.js';
import { eventFilterSchema, toEventFilter } from './filter.js';
import type { StoredEvent } from './queries.js';
import { toNdjsonLine } from './sanitize.js';
import type { EventReader } from './service.js';

export const MAX_PAGE = 500;
/** Under the prefix (ADMIN_PREFIX); the OpenAPI document names the same path. */
export const EVENTS_PATH = '/events';

export const eventsQuery = eventFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(10_000_000).optional().meta({ description: `JSON: events per page, 1–${MAX_PAGE} (default 50). NDJSON: the most events to send (default all).` }),
  order: z.enum(['asc', 'desc']).default('desc').meta({ description: 'JSON pages: newest first (desc) or oldest first (asc). NDJSON is always oldest first.' }),
  cursor: z.string().max(200).optional().meta({ description: 'JSON only: the `next_cursor` of the previous page, for the same order.' }),
  format: z.enum(['json', 'ndjson']).optional().meta({ description: 'Overrides the Accept header.' }),
  after_id: z.string().regex(/^\d{1,19}$/, 'an event id').optional().meta({ description: 'NDJSON only: resume an export after this event id.' }),
});

export interface EventRouteDeps {
  events: Pick<EventReader, 'list' | 'export'>;
  /** Runs before the handler: authenticates the caller and checks that it may read the audit log. */
  guard: Middleware;
  /** Where the API lives, e.g. ADMIN_PREFIX (/admin/api/v1); the route itself is /events under it. */
  prefix?: string;
}

/**
 * GET /events for the admin API (mounted under /admin/api/v1):
 * - JSON (default): `{ items, next_cursor }`, newest first (`order=asc` for oldest first), `limit`
 *   up to 500, `cursor` from the previous page;
 * - NDJSON (`format=ndjson` or `Accept: application/x-ndjson`): every matching event oldest first,
 *   streamed, one JSON object per line, optionally after `after_id` and up to `limit`.
 * Filters: `type` (repeated or comma-separated; `login.*` for a category), `account`, `client`,
 * `actor`, `outcome`, `ip`, `from` and `to` (RFC 3339, `from` inclusive, `to` exclusive).
 */
export function createEventRouter(deps: EventRouteDeps): Router {
  const router = new Router(deps.prefix ? { prefix: deps.prefix } : {});
  router.get(EVENTS_PATH, deps.guard, async (ctx) => {
    const query = parseInput(eventsQuery, ctx.query);
    const filter = toEventFilter(query);
    ctx.set('Cache-Control', 'no-store');
    const ndjson = query.format === 'ndjson' || (!query.format && ctx.accepts('application/json', 'application/x-ndjson') === 'application/x-ndjson');
    if (ndjson) {
      if (query.cursor) throw new AppError('VALIDATION_FAILED', 400, 'cursor: NDJSON exports resume with after_id', { details: { field: 'cursor' } });
      ctx.type = 'application/x-ndjson; charset=utf-8';
      ctx.body = Readable.from(ndjsonLines(deps.events.export(filter, { afterId: query.after_id, limit: query.limit })));
      return;
    }
    if (query.after_id) throw new AppError('VALIDATION_FAILED', 400, 'after_id: only for NDJSON exports; pages use cursor', { details: { field: 'after_id' } });
    if (query.limit !== undefined && query.limit > MAX_PAGE) {
      throw new AppError('VALIDATION_FAILED', 400, `limit: at most ${MAX_PAGE} per page`, { details: { field: 'limit' } });
    }
    ctx.body = await deps.events.list(filter, { limit: query.limit ?? 50, order: query.order, cursor: query.cursor });
  });
  return router;
}

async function* ndjsonLines(events: AsyncIterable<StoredEvent>): AsyncGenerator<string> {
  for await (const event of events) yield toNdjsonLine(event);
}
