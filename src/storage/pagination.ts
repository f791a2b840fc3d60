import type { Knex } from 'knex';
import { AppError } from '../errors/app-error.js';

export interface PageRequest {
  limit: number;
  /** Opaque, from the previous page's `nextCursor`. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Keyset pagination over (created_at, id): a stable order that neither skips nor repeats rows when
 * rows are added between pages. The cursor carries the creation time at the database's microsecond
 * precision (a JavaScript Date would round it to milliseconds and repeat rows).
 */
export async function keysetPage<T>(
  db: Knex,
  query: Knex.QueryBuilder,
  options: PageRequest & { table: string; idColumn?: string; uuidIds?: boolean },
): Promise<Page<T>> {
  const { table, idColumn = 'id', uuidIds = true } = options;
  const createdAt = `${table}.created_at`;
  const id = `${table}.${idColumn}`;
  if (options.cursor !== undefined) {
    const [at, lastId] = decodeCursor(options.cursor, uuidIds);
    query.whereRaw('(??, ??) > (?::timestamptz, ?)', [createdAt, id, at, lastId]);
  }
  const rows = (await query
    .select(db.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as _cursor_at`, [createdAt]))
    .orderBy([{ column: createdAt }, { column: id }])
    .limit(options.limit + 1)) as (T & { _cursor_at: string })[];
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page.at(-1) as (Record<string, unknown> & { _cursor_at: string }) | undefined;
  const items = page.map(({ _cursor_at: _ignored, ...rest }) => rest as T);
  return { items, nextCursor: more && last ? encodeCursor(last._cursor_at, String(last[idColumn])) : null };
}

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(cursor: string, uuidIds: boolean): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string'
      && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value[0]) && (!uuidIds || UUID.test(value[1]))
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('VALIDATION_FAILED', 400, 'cursor: not a cursor from a previous page', { details: { field: 'cursor' } });
}
