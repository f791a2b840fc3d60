import type { Knex } from 'knex';
import { createDirectoryQueries } from './queries/directories.js';
import { createGroupQueries } from './queries/groups.js';
import { createUserQueries } from './queries/users.js';

export { filterToSql, type SqlFragment } from './queries/filter.js';
export { groupColumn, userColumn } from './queries/columns.js';

/** All SQL of the SCIM server. Writes run through `transaction`, so a request changes all or nothing. */
export function createScimQueries(db: Knex) {
  const bound = (handle: Knex) => ({ ...createUserQueries(handle), ...createGroupQueries(handle) });
  return {
    ...bound(db),
    ...createDirectoryQueries(db),
    transaction: <T>(work: (queries: BoundScimQueries) => Promise<T>): Promise<T> => db.transaction((trx) => work(bound(trx))),
  };
}

export type BoundScimQueries = ReturnType<typeof createUserQueries> & ReturnType<typeof createGroupQueries>;
export type ScimQueries = ReturnType<typeof createScimQueries>;
