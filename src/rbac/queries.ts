import type { Knex } from 'knex';
import { createAccessQueries } from './queries/access.js';
import { createGroupQueries } from './queries/groups.js';
import { createObjectGrantQueries } from './queries/object-grants.js';
import { createResourceQueries } from './queries/resources.js';
import { createRoleQueries } from './queries/roles.js';

function createBoundQueries(db: Knex) {
  return {
    ...createResourceQueries(db),
    ...createRoleQueries(db),
    ...createGroupQueries(db),
    ...createObjectGrantQueries(db),
    ...createAccessQueries(db),
  };
}

export type BoundRbacQueries = ReturnType<typeof createBoundQueries>;

/** All SQL of the RBAC domain, split by sub-resource under queries/. */
export function createRbacQueries(db: Knex) {
  return {
    ...createBoundQueries(db),
    /** Runs `work` in one transaction, with the same queries bound to it. */
    transaction: <T>(work: (queries: BoundRbacQueries) => Promise<T>): Promise<T> =>
      db.transaction((trx) => work(createBoundQueries(trx))),
  };
}

export type RbacQueries = ReturnType<typeof createRbacQueries>;
