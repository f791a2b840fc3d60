import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../storage/pagination.js';

export interface BrowserSessionRow {
  uid: string;
  account_id: string;
  sealed_session_id: string;
  user_agent: string | null;
  ip: string | null;
  client_ids: string[];
  login_at: Date | null;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date | null;
}

export interface GrantIndexRow {
  grant_id: string;
  account_id: string;
  client_id: string;
  created_at: Date;
  expires_at: Date | null;
}

const live = (now: Date) => (query: Knex.QueryBuilder) => query.whereNull('expires_at').orWhere('expires_at', '>', now);

/** The account → sessions and account → grants indexes (see migrations/…_create_session_and_grant_index). */
export function createIndexQueries(db: Knex) {
  const sessions = () => db<BrowserSessionRow>('browser_sessions');
  const grants = () => db<GrantIndexRow>('grant_index');
  return {
    /** Inserts or refreshes a session; the device facts are kept when this save did not see a request. */
    upsertBrowserSession(row: BrowserSessionRow) {
      const { uid: _uid, created_at: _created, user_agent, ip, ...always } = row;
      return sessions()
        .insert(row)
        .onConflict('uid')
        .merge({ ...always, ...(user_agent ? { user_agent } : {}), ...(ip ? { ip } : {}) });
    },
    touchBrowserSession: (uid: string, at: Date) => sessions().where({ uid }).update({ last_seen_at: at }),
    deleteBrowserSession: (uid: string) => sessions().where({ uid }).delete(),
    findBrowserSession: (uid: string) => sessions().where({ uid }).first(),
    listBrowserSessions: (accountId: string, now: Date) =>
      sessions().where({ account_id: accountId }).where(live(now)).orderBy([{ column: 'last_seen_at', order: 'desc' }, { column: 'uid' }]),
    /** A page in the order the index first saw the sessions (created_at is set once, then uid). */
    listBrowserSessionsPage: (accountId: string, now: Date, page: PageRequest) =>
      keysetPage<BrowserSessionRow>(db, sessions().select('browser_sessions.*').where({ account_id: accountId }).where(live(now)), {
        ...page, table: 'browser_sessions', keys: [{ column: 'uid', uuid: false }],
      }),

    upsertGrantIndex: (row: GrantIndexRow) => grants().insert(row).onConflict('grant_id').merge(['account_id', 'client_id', 'expires_at']),
    deleteGrantIndex: (grantId: string) => grants().where({ grant_id: grantId }).delete(),
    findGrantIndex: (grantId: string) => grants().where({ grant_id: grantId }).first(),
    listGrantIndex: (accountId: string, now: Date) =>
      grants().where({ account_id: accountId }).where(live(now)).orderBy([{ column: 'created_at' }, { column: 'grant_id' }]),
    listGrantIndexPage: (accountId: string, now: Date, page: PageRequest) =>
      keysetPage<GrantIndexRow>(db, grants().select('grant_index.*').where({ account_id: accountId }).where(live(now)), {
        ...page, table: 'grant_index', keys: [{ column: 'grant_id', uuid: false }],
      }),

    /**
     * Grants that hold a refresh token of the account. Refresh tokens always live in SQL (see
     * adapters/factory.ts) with their grant id in clear, so this also finds grants made before the
     * index existed.
     */
    async listRefreshTokenGrantIds(accountId: string): Promise<string[]> {
      const rows = await db('oidc_models')
        .distinct('grant_id')
        .where({ model: 'RefreshToken' })
        .whereNotNull('grant_id')
        .whereRaw(`payload->>'accountId' = ?`, [accountId]);
      return rows.map((row: { grant_id: string }) => row.grant_id);
    },

    async purgeExpiredIndexes(now: Date): Promise<void> {
      await sessions().where('expires_at', '<=', now).delete();
      await grants().where('expires_at', '<=', now).delete();
    },
  };
}

export type IndexQueries = ReturnType<typeof createIndexQueries>;
