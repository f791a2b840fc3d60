import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../storage/pagination.js';

export type ConnectionKind = 'oidc' | 'oauth2';

/** Where each local profile field comes from in the upstream claims (dot paths, e.g. `profile.name`). */
export interface AttributeMap {
  subject?: string;
  email?: string;
  email_verified?: string;
  name?: string;
}

export interface ConnectionRow {
  id: string;
  slug: string;
  display_name: string;
  kind: ConnectionKind;
  preset: string | null;
  issuer: string;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  userinfo_endpoint: string | null;
  client_id: string;
  client_secret_sealed: string | null;
  scopes: string;
  enabled: boolean;
  allow_jit: boolean;
  trust_upstream_mfa: boolean;
  domains: string[];
  attribute_map: AttributeMap;
  groups_claim: string | null;
  /** Upstream group or role value → local group id. */
  group_map: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

export interface IdentityRow {
  connection_id: string;
  subject: string;
  account_id: string;
  email: string | null;
  created_at: Date;
  last_login_at: Date | null;
}

const JSON_COLUMNS = ['domains', 'attribute_map', 'group_map'] as const;

/** pg turns a JS array into a Postgres array, not JSON, so jsonb values are written as JSON text. */
function toDb(row: Partial<ConnectionRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const column of JSON_COLUMNS) if (out[column] !== undefined) out[column] = JSON.stringify(out[column]);
  return out;
}

export function createFederationQueries(db: Knex) {
  const connections = () => db<ConnectionRow>('federation_connections');
  const identities = () => db<IdentityRow>('federated_identities');
  return {
    listConnections: () => connections().orderBy([{ column: 'display_name' }, { column: 'id' }]),
    listConnectionsPage: (page: PageRequest) =>
      keysetPage<ConnectionRow>(db, connections().select('federation_connections.*'), { ...page, table: 'federation_connections' }),
    findConnectionById: (id: string) => connections().where({ id }).first(),
    findConnectionBySlug: (slug: string) => connections().whereRaw('lower(slug) = lower(?)', [slug]).first(),
    async insertConnection(row: Omit<ConnectionRow, 'created_at' | 'updated_at'>): Promise<ConnectionRow> {
      const [inserted] = await connections().insert(toDb(row) as never).returning('*');
      return inserted as ConnectionRow;
    },
    async updateConnection(id: string, changes: Partial<ConnectionRow>): Promise<ConnectionRow | undefined> {
      const [updated] = await connections().where({ id }).update({ ...toDb(changes), updated_at: db.fn.now() } as never).returning('*');
      return updated as ConnectionRow | undefined;
    },
    deleteConnection: (id: string) => connections().where({ id }).delete(),

    findIdentity: (connectionId: string, subject: string) => identities().where({ connection_id: connectionId, subject }).first(),
    listIdentitiesOfAccount: (accountId: string) => identities().where({ account_id: accountId }).orderBy('created_at'),
    /** Returns false when this upstream identity is already linked (to any account). */
    async insertIdentity(row: Pick<IdentityRow, 'connection_id' | 'subject' | 'account_id' | 'email'>): Promise<boolean> {
      const rows = await identities().insert(row).onConflict(['connection_id', 'subject']).ignore().returning('subject');
      return rows.length > 0;
    },
    recordIdentityLogin: (connectionId: string, subject: string, at: Date, email: string | null) =>
      identities().where({ connection_id: connectionId, subject }).update({ last_login_at: at, email }),
    deleteIdentitiesOfAccount: (connectionId: string, accountId: string) => identities().where({ connection_id: connectionId, account_id: accountId }).delete(),

    listMappedGroupIds: async (connectionId: string, accountId: string): Promise<string[]> =>
      (await db('federated_group_memberships').where({ connection_id: connectionId, account_id: accountId }).select('group_id')).map((row) => row.group_id as string),
    insertMappedGroup: (connectionId: string, accountId: string, groupId: string) =>
      db('federated_group_memberships').insert({ connection_id: connectionId, account_id: accountId, group_id: groupId }).onConflict().ignore(),
    deleteMappedGroup: (connectionId: string, accountId: string, groupId: string) =>
      db('federated_group_memberships').where({ connection_id: connectionId, account_id: accountId, group_id: groupId }).delete(),

    async findClientPolicy(clientId: string): Promise<string[] | undefined> {
      const row = await db('federation_client_policies').where({ client_id: clientId }).first();
      return row ? (row.connection_ids as string[]) : undefined;
    },
    upsertClientPolicy: (clientId: string, connectionIds: string[]) =>
      db('federation_client_policies')
        .insert({ client_id: clientId, connection_ids: JSON.stringify(connectionIds) })
        .onConflict('client_id')
        .merge({ connection_ids: JSON.stringify(connectionIds), updated_at: db.fn.now() }),
    deleteClientPolicy: (clientId: string) => db('federation_client_policies').where({ client_id: clientId }).delete(),
  };
}

export type FederationQueries = ReturnType<typeof createFederationQueries>;
