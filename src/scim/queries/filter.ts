import type { Filter } from 'scim2-parse-filter';
import { invalidFilter } from '../errors.js';

/** How one filterable attribute is read in SQL. Expressions come from this file's callers, never from input. */
export type Column =
  | { kind: 'text'; sql: string; caseExact?: boolean }
  | { kind: 'boolean'; sql: string }
  | { kind: 'dateTime'; sql: string }
  /** A multi-valued attribute: `from` yields one row per value, aliased `v`; `sub` reads its sub-attributes from `v`. */
  | { kind: 'multi'; from: string; where?: string; sub: Record<string, Column>; defaultSub: string };

/** Resolves a filter's attribute path (case-insensitive, URN prefix allowed) to its column. */
export type ColumnResolver = (path: string) => Column | undefined;

/** `exists` over the values of a multi-valued attribute, with `condition` on each. */
const anyValue = (column: Extract<Column, { kind: 'multi' }>, condition?: string) => {
  const conditions = [column.where, condition].filter(Boolean);
  return `exists (select 1 from ${column.from}${conditions.length ? ` where ${conditions.join(' and ')}` : ''})`;
};

export interface SqlFragment {
  sql: string;
  bindings: unknown[];
}

const CASELESS_OPS = { co: 'strpos(lower(%s), lower(?)) > 0', sw: 'starts_with(lower(%s), lower(?))', ew: "right(lower(%s), char_length(?)) = lower(?)" };
const EXACT_OPS = { co: 'strpos(%s, ?) > 0', sw: 'starts_with(%s, ?)', ew: 'right(%s, char_length(?)) = ?' };
const ORDER_OPS = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/**
 * Translates a parsed SCIM filter (RFC 7644 §3.4.2.2) into a SQL condition. A comparison with a
 * missing value is SQL NULL, which `and`, `or` and WHERE treat as false would be; only `not` must see
 * false instead, so it coalesces its operand: `not (title eq "x")` then matches a user without a
 * title, as SCIM means it. Leaves stay bare comparisons, so `userName eq` uses its index.
 */
export function filterToSql(filter: Filter, resolve: ColumnResolver): SqlFragment {
  switch (filter.op) {
    case 'and':
    case 'or': {
      const parts = filter.filters.map((part) => filterToSql(part, resolve));
      return { sql: `(${parts.map((part) => part.sql).join(` ${filter.op} `)})`, bindings: parts.flatMap((part) => part.bindings) };
    }
    case 'not': {
      const inner = filterToSql(filter.filter, resolve);
      return { sql: `(not coalesce(${inner.sql}, false))`, bindings: inner.bindings };
    }
    case '[]': {
      const column = resolve(filter.attrPath);
      if (column?.kind !== 'multi') throw invalidFilter(`${filter.attrPath} is not a multi-valued attribute`);
      const inner = filterToSql(filter.valFilter, subResolver(column, filter.attrPath));
      return { sql: anyValue(column, inner.sql), bindings: inner.bindings };
    }
    default:
      return compare(filter as Extract<Filter, { attrPath: string }>, resolve);
  }
}

function subResolver(column: Extract<Column, { kind: 'multi' }>, parent: string): ColumnResolver {
  return (path) => {
    const sub = Object.entries(column.sub).find(([name]) => name.toLowerCase() === path.toLowerCase());
    if (!sub) throw invalidFilter(`${parent} has no sub-attribute ${path}`);
    return sub[1];
  };
}

function compare(filter: Extract<Filter, { attrPath: string }>, resolve: ColumnResolver): SqlFragment {
  const dot = filter.attrPath.lastIndexOf('.');
  let column = resolve(filter.attrPath);
  // emails.value, members.value: a sub-attribute of a multi-valued attribute matches if any value does.
  if (!column && dot > 0) {
    const parent = resolve(filter.attrPath.slice(0, dot));
    if (parent?.kind === 'multi') {
      const inner = compare({ ...filter, attrPath: filter.attrPath.slice(dot + 1) } as typeof filter, subResolver(parent, filter.attrPath.slice(0, dot)));
      return { sql: anyValue(parent, inner.sql), bindings: inner.bindings };
    }
  }
  if (!column) throw invalidFilter(`${filter.attrPath} is not an attribute that can be filtered on`);
  if (column.kind === 'multi') {
    const inner = compare({ ...filter, attrPath: column.defaultSub } as typeof filter, subResolver(column, filter.attrPath));
    if (filter.op === 'pr') return { sql: anyValue(column), bindings: [] };
    return { sql: anyValue(column, inner.sql), bindings: inner.bindings };
  }
  const expression = column.sql;
  if (filter.op === 'pr') {
    return { sql: column.kind === 'text' ? `coalesce(${expression} <> '', false)` : `(${expression} is not null)`, bindings: [] };
  }
  const value = (filter as { compValue: unknown }).compValue;
  const wrap = (sql: string, bindings: unknown[]): SqlFragment => ({ sql: `(${sql})`, bindings });
  if (value === null) {
    if (filter.op === 'eq') return { sql: `(${expression} is null)`, bindings: [] };
    if (filter.op === 'ne') return { sql: `(${expression} is not null)`, bindings: [] };
    throw invalidFilter(`${filter.op} cannot compare with null`);
  }
  switch (column.kind) {
    case 'boolean': {
      if (typeof value !== 'boolean') throw invalidFilter(`${filter.attrPath} is true or false`);
      if (filter.op === 'eq') return wrap(`(${expression}) = ?`, [value]);
      if (filter.op === 'ne') return { sql: `((${expression}) is distinct from ?)`, bindings: [value] };
      throw invalidFilter(`${filter.op} does not apply to the boolean ${filter.attrPath}`);
    }
    case 'dateTime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalidFilter(`${filter.attrPath} compares with a date and time (RFC 3339)`);
      const at = new Date(value);
      if (filter.op === 'eq') return wrap(`${expression} = ?`, [at]);
      if (filter.op === 'ne') return { sql: `(${expression} is distinct from ?)`, bindings: [at] };
      if (filter.op in ORDER_OPS) return wrap(`${expression} ${ORDER_OPS[filter.op as keyof typeof ORDER_OPS]} ?`, [at]);
      throw invalidFilter(`${filter.op} does not apply to the date ${filter.attrPath}`);
    }
    case 'text': {
      if (typeof value !== 'string') throw invalidFilter(`${filter.attrPath} compares with a string`);
      const exact = column.caseExact === true;
      const side = exact ? expression : `lower(${expression})`;
      const bound = exact ? '?' : 'lower(?)';
      if (filter.op === 'eq') return wrap(`${side} = ${bound}`, [value]);
      if (filter.op === 'ne') return { sql: `(${side} is distinct from ${bound})`, bindings: [value] };
      if (filter.op === 'co' || filter.op === 'sw' || filter.op === 'ew') {
        const template = (exact ? EXACT_OPS : CASELESS_OPS)[filter.op];
        const bindings = filter.op === 'ew' ? [value, value] : [value];
        return wrap(template.replace('%s', expression), bindings);
      }
      if (filter.op in ORDER_OPS) return wrap(`${side} ${ORDER_OPS[filter.op as keyof typeof ORDER_OPS]} ${bound}`, [value]);
      throw invalidFilter(`unknown operator ${filter.op}`);
    }
  }
}
