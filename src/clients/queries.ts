import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../storage/pagination.js';

export type ClientType = 'web' | 'spa' | 'native' | 'machine' | 'device';

export interface ClientRow {
  client_id: string;
  name: string;
  type: ClientType;
  secret_hash: string | null;
  first_party: boolean;
  require_mfa: boolean;
  /** Every sign-in to this client must end with a passkey (the phishing-resistant acr; docs/passkeys.md). */
  require_phishing_resistant: boolean;
  /** May act for signed-in people on the server's own APIs (see rbac/api-guard.ts); first-party only. */
  system_api_delegation: boolean;
  metadata: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export function createClientQueries(db: Knex) {
  const clients = () => db<ClientRow>('clients');
  return {
    findClientById: (clientId: string) => clients().where({ client_id: clientId }).first(),
    listClients: () => clients().orderBy([{ column: 'created_at' }, { column: 'client_id' }]),
    async insertClient(row: Omit<ClientRow, 'created_at' | 'updated_at'>): Promise<ClientRow> {
      const [inserted] = await clients().insert(row).returning('*');
      return inserted as ClientRow;
    },
    deleteClient: (clientId: string) => clients().where({ client_id: clientId }).delete(),
    listClientsPage: (page: PageRequest) =>
      keysetPage<ClientRow>(db, clients().select('clients.*'), { ...page, table: 'clients', keys: [{ column: 'client_id', uuid: false }] }),
    async updateClient(clientId: string, changes: Partial<Pick<ClientRow, 'name' | 'first_party' | 'require_mfa' | 'require_phishing_resistant' | 'system_api_delegation' | 'metadata' | 'secret_hash'>>): Promise<ClientRow | undefined> {
      const [row] = await clients().where({ client_id: clientId }).update({ ...changes, updated_at: db.fn.now() as unknown as Date }).returning('*');
      return row as ClientRow | undefined;
    },
  };
}

export type ClientQueries = ReturnType<typeof createClientQueries>;
