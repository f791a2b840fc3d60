import { parse as parseFilter, type Filter } from 'scim2-parse-filter';
import { DEFAULT_COUNT, LIST_RESPONSE, MAX_RESULTS } from './constants.js';
import { invalidFilter, invalidPath, invalidValue } from './errors.js';
import { filterToSql, type Column, type ColumnResolver } from './queries/filter.js';

/** A filter longer than this is refused before it is parsed. */
const MAX_FILTER_LENGTH = 4096;

export interface ListQuery {
  filter?: Filter;
  /** 1-based, as in RFC 7644 §3.4.2.4. */
  startIndex: number;
  count: number;
  sortBy?: Extract<Column, { sql: string }>;
  descending: boolean;
  attributes?: string[];
  excludedAttributes?: string[];
}

const single = (value: unknown): string | undefined => (Array.isArray(value) ? value[0] : (value as string | undefined));

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d{1,9}$/.test(value)) throw invalidValue(`${name} must be an integer`);
  return Number(value);
}

export const attributeList = (value: unknown): string[] | undefined => {
  const text = single(value);
  return text === undefined ? undefined : text.split(',').map((part) => part.trim()).filter(Boolean);
};

/** Reads the query of a list request (RFC 7644 §3.4.2); parameter names are case-insensitive. */
export function parseListQuery(query: Record<string, unknown>, columns: ColumnResolver): ListQuery {
  const param = (name: string) => single(Object.entries(query).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]);
  const filterText = param('filter');
  let filter: Filter | undefined;
  if (filterText !== undefined && filterText.trim() !== '') {
    if (filterText.length > MAX_FILTER_LENGTH) throw invalidFilter(`a filter has at most ${MAX_FILTER_LENGTH} characters`);
    try {
      filter = parseFilter(filterText);
    } catch {
      throw invalidFilter('the filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2)');
    }
  }
  // §3.4.2.4: a startIndex below 1 is read as 1; a negative count as 0; more than the maximum, as the maximum.
  const startIndex = Math.max(1, integer('startIndex', param('startIndex')) ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer('count', param('count')) ?? DEFAULT_COUNT));
  const sortPath = param('sortBy');
  let sortBy: ListQuery['sortBy'];
  if (sortPath) {
    const column = columns(sortPath);
    if (!column || column.kind === 'multi') throw invalidPath(`cannot sort by ${sortPath}`);
    sortBy = column;
  }
  const order = param('sortOrder')?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') throw invalidValue('sortOrder is ascending or descending');
  return {
    filter,
    startIndex,
    count,
    sortBy,
    descending: order === 'descending',
    attributes: attributeList(param('attributes')),
    excludedAttributes: attributeList(param('excludedAttributes')),
  };
}

/** The SQL side of a list request: the filter translated by `columns`, the order and the page. */
export function listWindow(query: ListQuery, columns: ColumnResolver) {
  return {
    filter: query.filter ? filterToSql(query.filter, columns) : undefined,
    sortBy: query.sortBy?.sql,
    descending: query.descending,
    offset: query.startIndex - 1,
    limit: query.count,
  };
}

/** A ListResponse (RFC 7644 §3.4.2) of one page of `total` results. */
export function listResponse<T>(query: ListQuery, total: number, resources: T[]) {
  return { schemas: [LIST_RESPONSE], totalResults: total, itemsPerPage: resources.length, startIndex: query.startIndex, Resources: resources };
}
