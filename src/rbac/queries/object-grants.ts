import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../../storage/pagination.js';

export interface ObjectGrantRow {
  id: string;
  permission_id: string;
  object_type: string;
  object_id: string;
  account_id: string | null;
  group_id: string | null;
  created_at: Date;
}

/** An object grant with the names a person reads. */
export interface ObjectGrantView extends ObjectGrantRow {
  permission: string;
  resource: string;
}

export interface ObjectGrantFilter {
  accountId?: string;
  groupId?: string;
  permissionId?: string;
  objectType?: string;
  objectId?: string;
}

export function createObjectGrantQueries(db: Knex) {
  const view = () =>
    db('object_grants')
      .join('permissions as p', 'p.id', 'object_grants.permission_id')
      .join('api_resources as r', 'r.id', 'p.resource_id')
      .select('object_grants.*', 'p.name as permission', 'r.identifier as resource');
  return {
    findObjectGrantById: (id: string): Promise<ObjectGrantView | undefined> => view().where('object_grants.id', id).first(),
    listObjectGrantsPage(filter: ObjectGrantFilter, page: PageRequest) {
      const query = view();
      if (filter.accountId) query.where('object_grants.account_id', filter.accountId);
      if (filter.groupId) query.where('object_grants.group_id', filter.groupId);
      if (filter.permissionId) query.where('object_grants.permission_id', filter.permissionId);
      if (filter.objectType) query.where('object_grants.object_type', filter.objectType);
      if (filter.objectId) query.where('object_grants.object_id', filter.objectId);
      return keysetPage<ObjectGrantView>(db, query, { ...page, table: 'object_grants' });
    },
    /** Returns undefined when the same grant already exists. */
    async insertObjectGrant(row: Omit<ObjectGrantRow, 'created_at'>): Promise<ObjectGrantRow | undefined> {
      const [inserted] = await db('object_grants').insert(row).onConflict().ignore().returning('*');
      return inserted as ObjectGrantRow | undefined;
    },
    deleteObjectGrant: (id: string) => db('object_grants').where({ id }).delete(),
  };
}

export type ObjectGrantQueries = ReturnType<typeof createObjectGrantQueries>;
