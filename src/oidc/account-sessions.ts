import type Provider from 'oidc-provider';
import type { Clock } from '../shared/clock.js';
import { createUnchangedWrites, endOfExpiryMinute, expiryMinute } from './unchanged-writes.js';
import type { Logger } from '../shared/logger.js';
import type { AccountGrantRow, AccountSessionRow, SessionQueries } from '../sessions/queries.js';
import { keptPage, type Page, type PageRequest } from '../storage/pagination.js';
import type { SessionRemover } from './adapters/remove-session.js';
import { revokeGrant } from './revoke-grant.js';

interface SavedSession {
  uid: string;
  accountId?: string;
  loginTs?: number;
  exp?: number;
  authorizations?: Record<string, unknown>;
}

interface SavedGrant {
  jti: string;
  accountId?: string;
  clientId?: string;
  exp?: number;
}

const fromEpoch = (seconds?: number) => (seconds ? new Date(seconds * 1000) : null);

export interface AccountSessionView {
  uid: string;
  login_at: Date | null;
  expires_at: Date | null;
  client_ids: string[];
}

export interface AccountGrantView {
  grant_id: string;
  client_id: string;
  scope: string | null;
  resources: Record<string, string>;
  created_at: Date;
  expires_at: Date | null;
}

/**
 * An account's browser sessions and grants, for operators. oidc-provider files them by id only, so
 * their saves are indexed by account here (from the models' `saved`/`destroyed` events); a listing
 * confirms each entry still exists in the store, and revocation goes through the stores themselves.
 */
export function createAccountSessions(deps: { queries: SessionQueries; removeSession: SessionRemover; clock: Clock; logger: Logger }) {
  const { queries } = deps;
  const unchanged = createUnchangedWrites(() => deps.clock.now().getTime());
  const warn = (error: unknown) => deps.logger.warn({ err: error }, 'could not update the account session index');
  // Event listeners cannot hold up the response; listings wait for index writes still under way here.
  const pending = new Set<Promise<unknown>>();
  const track = (write: Promise<unknown>) => {
    const settled = write.catch(warn).finally(() => pending.delete(settled));
    pending.add(settled);
  };
  const settle = () => Promise.allSettled([...pending]);

  /** The session an index row points to, if it still exists for this account; a stale row is dropped. */
  async function liveSession(provider: Provider, accountId: string, row: AccountSessionRow): Promise<AccountSessionView | undefined> {
    const session = await provider.Session.findByUid(row.uid);
    if (session?.accountId === accountId) return { uid: row.uid, login_at: row.login_at, expires_at: row.expires_at, client_ids: row.client_ids };
    unchanged.forget(row.uid);
    await queries.deleteSession(row.uid);
    return undefined;
  }

  /** The grant an index row points to, if it still exists for this account; a stale row is dropped. */
  async function liveGrant(provider: Provider, accountId: string, row: AccountGrantRow): Promise<AccountGrantView | undefined> {
    const grant = await provider.Grant.find(row.grant_id);
    if (!grant || grant.accountId !== accountId) {
      await queries.deleteGrant(row.grant_id);
      return undefined;
    }
    const resources = Object.fromEntries(
      Object.entries((grant as unknown as { resources?: Record<string, string> }).resources ?? {}).map(([resource, scope]) => [resource, String(scope)]),
    );
    return {
      grant_id: row.grant_id,
      client_id: row.client_id,
      scope: (grant as unknown as { openid?: { scope?: string } }).openid?.scope ?? null,
      resources,
      created_at: row.created_at,
      expires_at: row.expires_at,
    };
  }

  return {
    /** Subscribes to a provider's session and grant events (each new provider after a key rotation too). */
    track(provider: Provider): void {
      provider.on('session.saved', (session: SavedSession) => {
        if (!session.accountId) return;
        const accountId = session.accountId;
        const clientIds = Object.keys(session.authorizations ?? {});
        track(
          unchanged.write(session.uid, [accountId, clientIds, session.loginTs, expiryMinute(session.exp)], () =>
            queries.upsertSession({
              uid: session.uid,
              account_id: accountId,
              login_at: fromEpoch(session.loginTs),
              expires_at: fromEpoch(endOfExpiryMinute(session.exp)),
              client_ids: clientIds,
            }),
          ),
        );
      });
      provider.on('session.destroyed', (session: SavedSession) => {
        unchanged.forget(session.uid);
        track(queries.deleteSession(session.uid));
      });
      provider.on('grant.saved', (grant: SavedGrant) => {
        if (!grant.accountId || !grant.clientId) return;
        track(queries.upsertGrant({ grant_id: grant.jti, account_id: grant.accountId, client_id: grant.clientId, expires_at: fromEpoch(grant.exp) }));
      });
      provider.on('grant.destroyed', (grant: SavedGrant) => {
        track(queries.deleteGrant(grant.jti));
      });
    },

    async listSessions(provider: Provider, accountId: string): Promise<AccountSessionView[]> {
      await settle();
      const live: AccountSessionView[] = [];
      for (const row of await queries.listSessions(accountId, deps.clock.now())) {
        const view = await liveSession(provider, accountId, row);
        if (view) live.push(view);
      }
      return live;
    },

    /** A page of the account's live sessions, in the order the index first saw them. */
    async listSessionsPage(provider: Provider, accountId: string, page: PageRequest): Promise<Page<AccountSessionView>> {
      await settle();
      return keptPage(page, (request) => queries.listSessionsPage(accountId, deps.clock.now(), request), (row) => liveSession(provider, accountId, row));
    },

    /** Ends one session (or every session of the account when uid is undefined); returns how many. */
    async revokeSessions(provider: Provider, accountId: string, uid?: string): Promise<number> {
      const sessions = (await this.listSessions(provider, accountId)).filter((session) => uid === undefined || session.uid === uid);
      for (const session of sessions) {
        await deps.removeSession(session.uid);
        unchanged.forget(session.uid);
        await queries.deleteSession(session.uid);
      }
      return sessions.length;
    },

    async listGrants(provider: Provider, accountId: string): Promise<AccountGrantView[]> {
      await settle();
      const live: AccountGrantView[] = [];
      for (const row of await queries.listGrants(accountId, deps.clock.now())) {
        const view = await liveGrant(provider, accountId, row);
        if (view) live.push(view);
      }
      return live;
    },

    /** A page of the account's live grants, in the order they were first saved. */
    async listGrantsPage(provider: Provider, accountId: string, page: PageRequest): Promise<Page<AccountGrantView>> {
      await settle();
      return keptPage(page, (request) => queries.listGrantsPage(accountId, deps.clock.now(), request), (row) => liveGrant(provider, accountId, row));
    },

    /** Revokes one grant and every token issued under it; false when the account has no such grant. */
    async revokeGrant(provider: Provider, accountId: string, grantId: string): Promise<boolean> {
      const grant = await provider.Grant.find(grantId);
      if (!grant || grant.accountId !== accountId) return false;
      await revokeGrant(provider, grantId);
      await queries.deleteGrant(grantId);
      return true;
    },

    purgeExpired: () => queries.purgeExpired(deps.clock.now()),
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
