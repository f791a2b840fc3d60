import { AppError } from '../errors/app-error.js';
import type { PersonalDataVault } from '../privacy/vault.js';
import type { EventFilter, EventQueries, EventRange, StoredEvent } from './queries.js';

export interface EventPage {
  items: StoredEvent[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export interface PageRequest {
  limit: number;
  order: 'asc' | 'desc';
  cursor?: string;
}

const EXPORT_PAGE = 1000;

/**
 * Reading the event log: filtered pages with an opaque cursor over the id (a stable order: ids are
 * assigned in commit order and never reused), and a full export as a stream of pages.
 */
export function createEventReader(deps: { queries: EventQueries; vault: Pick<PersonalDataVault, 'reveal'> }) {
  const { queries, vault } = deps;

  /**
   * Matching rows with their personal values decrypted (one key query per page). An IP address of an
   * event about an account is encrypted, so the database can only narrow an `ip` filter to plaintext
   * matches and encrypted candidates; the rest of the match happens here, page by page.
   */
  async function listEvents(filter: EventFilter, range: EventRange): Promise<StoredEvent[]> {
    if (!filter.ip) return vault.reveal(await queries.listEvents(filter, range));
    const matches: StoredEvent[] = [];
    let position = { afterId: range.afterId, beforeId: range.beforeId };
    for (;;) {
      const rows = await queries.listEvents(filter, { ...range, ...position });
      matches.push(...(await vault.reveal(rows)).filter((row) => row.ip === filter.ip));
      if (matches.length >= range.limit || rows.length < range.limit) return matches.slice(0, range.limit);
      const last = rows.at(-1)!.id;
      position = range.order === 'asc' ? { ...position, afterId: last } : { ...position, beforeId: last };
    }
  }

  return {
    async list(filter: EventFilter, page: PageRequest): Promise<EventPage> {
      const position = page.cursor ? decodeCursor(page.cursor, page.order) : undefined;
      const rows = await listEvents(filter, {
        limit: page.limit + 1,
        order: page.order,
        ...(position ? (page.order === 'asc' ? { afterId: position } : { beforeId: position }) : {}),
      });
      const more = rows.length > page.limit;
      const items = more ? rows.slice(0, page.limit) : rows;
      return { items, next_cursor: more ? encodeCursor(page.order, items.at(-1)!.id) : null };
    },

    /** Every matching event after `afterId`, oldest first, fetched a page at a time. */
    async *export(filter: EventFilter, options: { afterId?: string; limit?: number; signal?: AbortSignal } = {}): AsyncGenerator<StoredEvent> {
      let afterId = options.afterId;
      let remaining = options.limit ?? Number.POSITIVE_INFINITY;
      while (remaining > 0 && !options.signal?.aborted) {
        const rows = await listEvents(filter, { afterId, limit: Math.min(EXPORT_PAGE, remaining), order: 'asc' });
        for (const row of rows) yield row;
        if (rows.length < Math.min(EXPORT_PAGE, remaining)) return;
        remaining -= rows.length;
        afterId = rows.at(-1)!.id;
      }
    },

    async find(id: string): Promise<StoredEvent | undefined> {
      const event = await queries.findEvent(id);
      return event ? (await vault.reveal([event]))[0] : undefined;
    },
  };
}

function encodeCursor(order: 'asc' | 'desc', id: string): string {
  return Buffer.from(JSON.stringify({ o: order, id })).toString('base64url');
}

function decodeCursor(cursor: string, order: 'asc' | 'desc'): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; id?: unknown };
    if (value.o === order && typeof value.id === 'string' && /^\d{1,19}$/.test(value.id)) return value.id;
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('VALIDATION_FAILED', 400, 'cursor: not a cursor from a previous page with the same order', { details: { field: 'cursor' } });
}

export type EventReader = ReturnType<typeof createEventReader>;
