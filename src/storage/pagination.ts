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

/** A column that, after the creation time, orders a page; `uuid` ones are checked in a cursor before they reach SQL. */
export interface KeyColumn {
  column: string;
  uuid: boolean;
}

export interface KeysetOptions {
  /** The table, or the alias of a subquery, whose columns order the page. */
  table: string;
  /** Its creation-time column; `created_at` by default. */
  createdAt?: string;
  /**
   * The columns after the creation time, in order; with it they must be unique among the rows the
   * query can return. A uuid `id` by default. Each is also a field of the returned rows.
   */
  keys?: KeyColumn[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** Text the database refuses to compare (NUL) or that no key holds: a forged cursor, answered 400 rather than 500. */
const CONTROL = /[\u0000-\u001f]/;

/** The shape the cursor is written in, and a time that exists (no 30 February, no 25:00). */
function isRealTime(text: string): boolean {
  if (!AT.test(text)) return false;
  const parsed = new Date(text);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 23) === text.slice(0, 23);
}
const UUID_ID: KeyColumn[] = [{ column: 'id', uuid: true }];

/**
 * Keyset pagination over (creation time, keys…): a stable order that neither skips nor repeats rows
 * when rows are added between pages. The cursor carries the creation time at the database's
 * microsecond precision (a JavaScript Date would round it to milliseconds and repeat rows).
 */
export async function keysetPage<T>(db: Knex, query: Knex.QueryBuilder, options: PageRequest & KeysetOptions): Promise<Page<T>> {
  const { table, keys = UUID_ID } = options;
  const createdAt = `${table}.${options.createdAt ?? 'created_at'}`;
  const ordered = [createdAt, ...keys.map((key) => `${table}.${key.column}`)];
  if (options.cursor !== undefined) {
    const [at, ...last] = decodeCursor(options.cursor, keys);
    const placeholders = last.map(() => '?').join(', ');
    query.whereRaw(`(${ordered.map(() => '??').join(', ')}) > (?::timestamptz, ${placeholders})`, [...ordered, at, ...last]);
  }
  const rows = (await query
    .select(db.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as _cursor_at`, [createdAt]))
    .orderBy(ordered.map((column) => ({ column })))
    .limit(options.limit + 1)) as (T & { _cursor_at: string })[];
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page.at(-1) as (Record<string, unknown> & { _cursor_at: string }) | undefined;
  const items = page.map(({ _cursor_at: _ignored, ...rest }) => rest as T);
  return { items, nextCursor: more && last ? encodeCursor([last._cursor_at, ...keys.map((key) => String(last[key.column]))]) : null };
}

/**
 * A page of the rows `keep` turns into items, for listings that drop rows the database cannot judge
 * (an index entry whose record is gone). It reads on past dropped rows, so a page is short only at
 * the end, and its cursor is the database page's, so the order stays the keyset's.
 */
export async function keptPage<R, V>(
  request: PageRequest,
  read: (request: PageRequest) => Promise<Page<R>>,
  keep: (row: R) => Promise<V | undefined>,
): Promise<Page<V>> {
  const items: V[] = [];
  let cursor = request.cursor;
  for (;;) {
    // Never more rows than the page has room for: when it fills, the last row read is the last kept.
    const page = await read({ limit: request.limit - items.length, cursor });
    for (const row of page.items) {
      const item = await keep(row);
      if (item !== undefined) items.push(item);
    }
    if (!page.nextCursor || items.length === request.limit) return { items, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
}

function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, keys: KeyColumn[]): string[] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) && value.length === keys.length + 1 && value.every((part) => typeof part === 'string')
      && isRealTime(value[0]) && keys.every((key, index) => (key.uuid ? UUID.test(value[index + 1]) : !CONTROL.test(value[index + 1])))
    ) {
      return value as string[];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('VALIDATION_FAILED', 400, 'cursor: not a cursor from a previous page', { details: { field: 'cursor' } });
}
