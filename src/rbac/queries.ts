import type { Knex } from 'knex';

export interface ApiResourceRow {
  id: string;
  identifier: string;
  name: string;
  scopes: string[];
  access_token_ttl: number | null;
  token_format: 'jwt' | 'opaque';
  created_at: Date;
  updated_at: Date;
}

export function createResourceQueries(db: Knex) {
  const resources = () => db<ApiResourceRow>('api_resources');
  return {
    findResourceByIdentifier: (identifier: string) => resources().where({ identifier }).first(),
    listResources: () => resources().orderBy([{ column: 'created_at' }, { column: 'id' }]),
    async insertResource(row: Omit<ApiResourceRow, 'created_at' | 'updated_at'>): Promise<ApiResourceRow> {
      const [inserted] = await resources().insert(row).returning('*');
      return inserted as ApiResourceRow;
    },
    deleteResource: (identifier: string) => resources().where({ identifier }).delete(),
  };
}

export type ResourceQueries = ReturnType<typeof createResourceQueries>;
