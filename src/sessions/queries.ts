import type { Knex } from 'knex';

export interface AccountSessionRow {
  uid: string;
  account_id: string;
  login_at: Date | null;
  expires_at: Date | null;
  client_ids: string[];
  updated_at: Date;
}

export interface AccountGrantRow {
  grant_id: string;
  account_id: string;
  client_id: string;
  expires_at: Date | null;
  created_at: Date;
}

export function createSessionQueries(db: Knex) {
  const sessions = () => db<AccountSessionRow>('account_sessions');
  const grants = () => db<AccountGrantRow>('account_grants');
  return {
    upsertSession: (row: Omit<AccountSessionRow, 'updated_at'>) =>
      sessions().insert(row).onConflict('uid').merge(['account_id', 'login_at', 'expires_at', 'client_ids', 'updated_at']),
    deleteSession: (uid: string) => sessions().where({ uid }).delete(),
    listSessions: (accountId: string, now: Date) =>
      sessions()
        .where({ account_id: accountId })
        .where((inner) => inner.whereNull('expires_at').orWhere('expires_at', '>', now))
        .orderBy([{ column: 'login_at', order: 'desc' }, { column: 'uid' }]),
    upsertGrant: (row: Omit<AccountGrantRow, 'created_at'>) => grants().insert(row).onConflict('grant_id').merge(['expires_at']),
    deleteGrant: (grantId: string) => grants().where({ grant_id: grantId }).delete(),
    listGrants: (accountId: string, now: Date) =>
      grants()
        .where({ account_id: accountId })
        .where((inner) => inner.whereNull('expires_at').orWhere('expires_at', '>', now))
        .orderBy([{ column: 'created_at' }, { column: 'grant_id' }]),
    /** Drops index rows whose session or grant expired. */
    async purgeExpired(now: Date): Promise<void> {
      await sessions().where('expires_at', '<=', now).delete();
      await grants().where('expires_at', '<=', now).delete();
    },
  };
}

export type SessionQueries = ReturnType<typeof createSessionQueries>;
