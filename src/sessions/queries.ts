import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../storage/pagination.js';

export interface AccountSessionRow {
  uid: string;
  account_id: string;
  login_at: Date | null;
  expires_at: Date | null;
  client_ids: string[];
  /** Set when the index first sees the session; orders the admin listing. */
  created_at: Date;
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
  const unexpired = (now: Date) => (inner: Knex.QueryBuilder) => inner.whereNull('expires_at').orWhere('expires_at', '>', now);
  return {
    upsertSession: (row: Omit<AccountSessionRow, 'created_at' | 'updated_at'>) =>
      sessions().insert(row).onConflict('uid').merge(['account_id', 'login_at', 'expires_at', 'client_ids', 'updated_at']),
    deleteSession: (uid: string) => sessions().where({ uid }).delete(),
    listSessions: (accountId: string, now: Date) =>
      sessions()
        .where({ account_id: accountId })
        .where(unexpired(now))
        .orderBy([{ column: 'login_at', order: 'desc' }, { column: 'uid' }]),
    listSessionsPage: (accountId: string, now: Date, page: PageRequest) =>
      keysetPage<AccountSessionRow>(db, sessions().select('account_sessions.*').where({ account_id: accountId }).where(unexpired(now)), {
        ...page, table: 'account_sessions', keys: [{ column: 'uid', uuid: false }],
      }),
    upsertGrant: (row: Omit<AccountGrantRow, 'created_at'>) => grants().insert(row).onConflict('grant_id').merge(['expires_at']),
    deleteGrant: (grantId: string) => grants().where({ grant_id: grantId }).delete(),
    listGrants: (accountId: string, now: Date) =>
      grants()
        .where({ account_id: accountId })
        .where(unexpired(now))
        .orderBy([{ column: 'created_at' }, { column: 'grant_id' }]),
    listGrantsPage: (accountId: string, now: Date, page: PageRequest) =>
      keysetPage<AccountGrantRow>(db, grants().select('account_grants.*').where({ account_id: accountId }).where(unexpired(now)), {
        ...page, table: 'account_grants', keys: [{ column: 'grant_id', uuid: false }],
      }),
    /** Drops index rows whose session or grant expired. */
    async purgeExpired(now: Date): Promise<void> {
      await sessions().where('expires_at', '<=', now).delete();
      await grants().where('expires_at', '<=', now).delete();
    },
  };
}

export type SessionQueries = ReturnType<typeof createSessionQueries>;
