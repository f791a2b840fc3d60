import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../../storage/pagination.js';

export interface ApiResourceRow {
  id: string;
  identifier: string;
  name: string;
  description: string | null;
  access_token_ttl: number | null;
  token_format: 'jwt' | 'opaque';
  /** Registered by the server for its own APIs (admin, check): not deletable. */
  system: boolean;
  /** Clients registered as this API's resource servers: they may introspect its tokens (RFC 7662 §4). */
  resource_server_client_ids: string[];
  created_at: Date;
  updated_at: Date;
}

export interface PermissionRow {
  id: string;
  resource_id: string;
  name: string;
  description: string | null;
  created_at: Date;
}

/** A resource with its permission names, as oidc-provider needs it on every token request. */
export interface ResourceWithPermissions extends ApiResourceRow {
  permissions: string[];
}

export function createResourceQueries(db: Knex) {
  const resources = () => db<ApiResourceRow>('api_resources');
  const permissions = () => db<PermissionRow>('permissions');
  return {
    findResourceById: (id: string) => resources().where({ id }).first(),
    findResourceByIdentifier: (identifier: string) => resources().where({ identifier }).first(),
    async findResourceWithPermissions(identifier: string): Promise<ResourceWithPermissions | undefined> {
      const row = await db('api_resources as r')
        .where('r.identifier', identifier)
        .select('r.*', db.raw(`coalesce((select array_agg(p.name order by p.name) from permissions p where p.resource_id = r.id), '{}') as permissions`))
        .first();
      return row as ResourceWithPermissions | undefined;
    },
    listResources: () => resources().orderBy([{ column: 'created_at' }, { column: 'id' }]),
    listResourcesPage: (page: PageRequest) => keysetPage<ApiResourceRow>(db, resources().select('api_resources.*'), { ...page, table: 'api_resources' }),
    async insertResource(row: Omit<ApiResourceRow, 'created_at' | 'updated_at'>): Promise<ApiResourceRow> {
      const [inserted] = await resources().insert(row).returning('*');
      return inserted as ApiResourceRow;
    },
    async updateResource(id: string, changes: Partial<Pick<ApiResourceRow, 'name' | 'description' | 'access_token_ttl' | 'token_format' | 'resource_server_client_ids'>>) {
      const [updated] = await resources().where({ id }).update({ ...changes, updated_at: db.fn.now() as unknown as Date }).returning('*');
      return updated as ApiResourceRow | undefined;
    },
    deleteResource: (id: string) => resources().where({ id }).delete(),

    listPermissions: (resourceId: string) => permissions().where({ resource_id: resourceId }).orderBy([{ column: 'name' }]),
    listPermissionsPage: (resourceId: string, page: PageRequest) =>
      keysetPage<PermissionRow>(db, permissions().select('permissions.*').where({ resource_id: resourceId }), { ...page, table: 'permissions' }),
    findPermissionById: (id: string) => permissions().where({ id }).first(),
    findPermissionByName: (resourceId: string, name: string) => permissions().where({ resource_id: resourceId, name }).first(),
    async insertPermissions(rows: Omit<PermissionRow, 'created_at'>[], options: { skipExisting?: boolean } = {}): Promise<PermissionRow[]> {
      if (rows.length === 0) return [];
      const insert = permissions().insert(rows);
      if (options.skipExisting) insert.onConflict(['resource_id', 'name']).ignore();
      return (await insert.returning('*')) as PermissionRow[];
    },
    /** Inserts unless a resource with this identifier exists (several instances may start at once). */
    async insertResourceIfAbsent(row: Omit<ApiResourceRow, 'created_at' | 'updated_at'>): Promise<ApiResourceRow> {
      await resources().insert(row).onConflict('identifier').ignore();
      return (await resources().where({ identifier: row.identifier }).first()) as ApiResourceRow;
    },
    async updatePermission(id: string, changes: Partial<Pick<PermissionRow, 'name' | 'description'>>) {
      const [updated] = await permissions().where({ id }).update(changes).returning('*');
      return updated as PermissionRow | undefined;
    },
    deletePermission: (id: string) => permissions().where({ id }).delete(),
  };
}

export type ResourceQueries = ReturnType<typeof createResourceQueries>;
