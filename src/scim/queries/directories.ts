import type { Knex } from 'knex';

export interface DirectoryRow {
  id: string;
  name: string;
  client_id: string | null;
  send_invitations: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface ProvisioningTokenRow {
  id: string;
  directory_id: string;
  token_hash: string;
  label: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export function createDirectoryQueries(db: Knex) {
  const directories = () => db<DirectoryRow>('scim_directories');
  const tokens = () => db<ProvisioningTokenRow>('scim_tokens');
  return {
    findDirectoryById: (id: string) => directories().where({ id }).first(),
    findDirectoryByName: (name: string) => directories().whereRaw('lower(name) = lower(?)', [name]).first(),
    findDirectoryByClient: (clientId: string) => directories().where({ client_id: clientId }).first(),
    listDirectories: () => directories().orderBy([{ column: 'created_at' }, { column: 'id' }]),
    async insertDirectory(row: Omit<DirectoryRow, 'created_at' | 'updated_at'>): Promise<DirectoryRow> {
      const [inserted] = await directories().insert(row).returning('*');
      return inserted as DirectoryRow;
    },
    async updateDirectory(id: string, changes: Partial<Pick<DirectoryRow, 'name' | 'client_id' | 'send_invitations'>>): Promise<DirectoryRow | undefined> {
      const [row] = await directories().where({ id }).update({ ...changes, updated_at: db.fn.now() as unknown as Date }).returning('*');
      return row as DirectoryRow | undefined;
    },
    deleteDirectory: (id: string) => directories().where({ id }).delete(),
    async countMarked(id: string): Promise<{ users: number; groups: number }> {
      const [users, groups] = await Promise.all([
        db('scim_users').where({ directory_id: id }).count<{ count: string | number }[]>({ count: '*' }).first(),
        db('scim_groups').where({ directory_id: id }).count<{ count: string | number }[]>({ count: '*' }).first(),
      ]);
      return { users: Number(users?.count ?? 0), groups: Number(groups?.count ?? 0) };
    },

    findTokenByHash: (tokenHash: string) => tokens().where({ token_hash: tokenHash }).first(),
    findToken: (directoryId: string, id: string) => tokens().where({ directory_id: directoryId, id }).first(),
    listTokens: (directoryId: string) => tokens().where({ directory_id: directoryId }).orderBy([{ column: 'created_at' }, { column: 'id' }]),
    async insertToken(row: Omit<ProvisioningTokenRow, 'last_used_at' | 'revoked_at'>): Promise<ProvisioningTokenRow> {
      const [inserted] = await tokens().insert(row).returning('*');
      return inserted as ProvisioningTokenRow;
    },
    revokeToken: (id: string, at: Date) => tokens().where({ id }).whereNull('revoked_at').update({ revoked_at: at }),
    /** Only when the last recorded use is older than `staleBefore`: one write a minute per token, not one per request. */
    touchToken: (id: string, at: Date, staleBefore: Date) =>
      tokens()
        .where({ id })
        .where((query) => query.whereNull('last_used_at').orWhere('last_used_at', '<', staleBefore))
        .update({ last_used_at: at }),
  };
}

export type DirectoryQueries = ReturnType<typeof createDirectoryQueries>;
