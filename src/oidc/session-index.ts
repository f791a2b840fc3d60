import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { requestOriginOf } from '../http/request-context.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { BrowserSessionRow, IndexQueries } from './index-queries.js';
import { revokeGrant } from './revoke-grant.js';
import { createUnchangedWrites, endOfExpiryMinute, expiryMinute } from './unchanged-writes.js';

interface SavedSession {
  jti: string;
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
  iat?: number;
  exp?: number;
}

export interface SessionView {
  uid: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  loginAt: Date | null;
  clientIds: string[];
}

export interface GrantView {
  grantId: string;
  clientId: string;
  createdAt: Date;
  scopes: string[];
}

const PENDING = Symbol('idp.pending-index-writes');
type TrackedContext = KoaContextWithOIDC & { [PENDING]?: Promise<unknown>[] };

const fromEpoch = (seconds?: number) => (seconds ? new Date(seconds * 1000) : null);
/** Token models that hang off a grant: what "revoke the refresh tokens" has to reach. */
const GRANT_BOUND = ['RefreshToken', 'AccessToken', 'AuthorizationCode'] as const;
const MAX_USER_AGENT = 512;

/**
 * An index from accounts to their browser sessions and grants, kept from oidc-provider's
 * `session.saved`/`session.destroyed`/`grant.saved` events. oidc-provider files both by id only.
 *
 * A session id is the session cookie's value, so the index keeps it sealed with SERVER_SECRET (to
 * destroy the session through the Session model's adapter) and never in clear. Device facts (user
 * agent, IP) come from the request that saved the session. Writes made during a protocol request
 * finish before its response leaves, so a session is listed (and revocable) from its first page.
 * A listing checks every entry against the store and drops those that are gone.
 */
export function createSessionIndex(deps: { queries: IndexQueries; box: SecretBox; clock: Clock; logger: Logger }) {
  const { queries, box, clock } = deps;
  const unchanged = createUnchangedWrites(() => clock.now().getTime());

  const remember = (write: Promise<unknown>) => {
    const ctx = (Provider as unknown as { ctx?: TrackedContext }).ctx;
    if (ctx) (ctx[PENDING] ??= []).push(write);
    else write.catch((error: unknown) => deps.logger.warn({ err: error }, 'could not update the session index'));
  };

  function sessionSaved(session: SavedSession): Promise<unknown> {
    if (!session.accountId) {
      unchanged.forget(session.uid);
      return queries.deleteBrowserSession(session.uid);
    }
    const accountId = session.accountId;
    const ctx = (Provider as unknown as { ctx?: TrackedContext }).ctx;
    const origin = ctx ? requestOriginOf(ctx.req) : {};
    const userAgent = origin.userAgent?.slice(0, MAX_USER_AGENT) ?? null;
    const clientIds = Object.keys(session.authorizations ?? {});
    const facts = [accountId, session.jti, userAgent, origin.ip ?? null, clientIds, session.loginTs, expiryMinute(session.exp)];
    return unchanged.write(session.uid, facts, () => {
      const now = clock.now();
      return queries.upsertBrowserSession({
        uid: session.uid,
        account_id: accountId,
        sealed_session_id: box.seal(session.jti),
        user_agent: userAgent,
        ip: origin.ip ?? null,
        client_ids: clientIds,
        login_at: fromEpoch(session.loginTs),
        created_at: now,
        last_seen_at: now,
        expires_at: fromEpoch(endOfExpiryMinute(session.exp)),
      });
    });
  }

  async function liveSession(provider: Provider, row: BrowserSessionRow) {
    let id: string;
    try {
      id = box.open(row.sealed_session_id);
    } catch {
      return undefined;
    }
    const session = await provider.Session.find(id);
    return session?.accountId === row.account_id ? { id, session } : undefined;
  }

  async function destroySession(provider: Provider, row: BrowserSessionRow): Promise<void> {
    const live = await liveSession(provider, row);
    if (live) await (provider.Session as unknown as { adapter: { destroy(id: string): Promise<void> } }).adapter.destroy(live.id);
    unchanged.forget(row.uid);
    await queries.deleteBrowserSession(row.uid);
  }

  return {
    /** Subscribes to a provider's events (every provider built, since keys rotate). */
    track(provider: Provider): void {
      provider.on('session.saved', (session: SavedSession) => remember(sessionSaved(session)));
      provider.on('session.destroyed', (session: SavedSession) => {
        unchanged.forget(session.uid);
        remember(queries.deleteBrowserSession(session.uid));
      });
      provider.on('grant.saved', (grant: SavedGrant) => {
        if (!grant.accountId || !grant.clientId) return;
        remember(
          queries.upsertGrantIndex({
            grant_id: grant.jti,
            account_id: grant.accountId,
            client_id: grant.clientId,
            created_at: fromEpoch(grant.iat) ?? clock.now(),
            expires_at: fromEpoch(grant.exp),
          }),
        );
      });
      provider.on('grant.destroyed', (grant: SavedGrant) => remember(queries.deleteGrantIndex(grant.jti)));
      provider.use(async (ctx: TrackedContext, next) => {
        await next();
        const pending = ctx[PENDING];
        if (pending?.length) await Promise.all(pending);
      });
    },

    /** The account's live sessions, most recently seen first. */
    async listSessions(provider: Provider, accountId: string): Promise<SessionView[]> {
      const views: SessionView[] = [];
      for (const row of await queries.listBrowserSessions(accountId, clock.now())) {
        if (!(await liveSession(provider, row))) {
          unchanged.forget(row.uid);
          await queries.deleteBrowserSession(row.uid);
          continue;
        }
        views.push({
          uid: row.uid,
          userAgent: row.user_agent,
          ip: row.ip,
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          loginAt: row.login_at,
          clientIds: row.client_ids,
        });
      }
      return views;
    },

    /** Records that a session was used outside the protocol endpoints (the account pages). */
    touch: (uid: string) => queries.touchBrowserSession(uid, clock.now()),

    /** Ends one session of the account; false when the account has no such session. */
    async revokeSession(provider: Provider, accountId: string, uid: string): Promise<boolean> {
      const row = await queries.findBrowserSession(uid);
      if (!row || row.account_id !== accountId) return false;
      await destroySession(provider, row);
      return true;
    },

    /** Ends every session of the account but `exceptUid`; returns how many ended. */
    async revokeSessions(provider: Provider, accountId: string, exceptUid?: string): Promise<number> {
      let count = 0;
      for (const row of await queries.listBrowserSessions(accountId, new Date(0))) {
        if (row.uid === exceptUid) continue;
        await destroySession(provider, row);
        count += 1;
      }
      return count;
    },

    /** The applications the account has granted access to, with what they may do. */
    async listGrants(provider: Provider, accountId: string): Promise<GrantView[]> {
      const views: GrantView[] = [];
      for (const row of await queries.listGrantIndex(accountId, clock.now())) {
        const grant = await provider.Grant.find(row.grant_id);
        if (!grant || grant.accountId !== accountId) {
          await queries.deleteGrantIndex(row.grant_id);
          continue;
        }
        const scope = (grant as unknown as { openid?: { scope?: string } }).openid?.scope ?? '';
        views.push({ grantId: row.grant_id, clientId: row.client_id, createdAt: row.created_at, scopes: scope.split(' ').filter(Boolean) });
      }
      return views;
    },

    /** Revokes one of the account's grants and every token issued under it. */
    async revokeGrant(provider: Provider, accountId: string, grantId: string): Promise<{ clientId: string } | undefined> {
      const grant = await provider.Grant.find(grantId);
      if (!grant || grant.accountId !== accountId) return undefined;
      await revokeGrant(provider, grantId);
      await queries.deleteGrantIndex(grantId);
      return { clientId: grant.clientId! };
    },

    /**
     * Revokes every refresh token, access token and code the account holds, keeping the grants
     * themselves (what the person allowed each app stays allowed; the app must sign in again).
     */
    async revokeTokens(provider: Provider, accountId: string): Promise<number> {
      const grantIds = new Set([
        ...(await queries.listGrantIndex(accountId, new Date(0))).map((row) => row.grant_id),
        ...(await queries.listRefreshTokenGrantIds(accountId)),
      ]);
      for (const grantId of grantIds) {
        await Promise.all(GRANT_BOUND.map((model) => provider[model].revokeByGrantId(grantId)));
      }
      return grantIds.size;
    },

    purgeExpired: () => queries.purgeExpiredIndexes(clock.now()),
  };
}

export type SessionIndex = ReturnType<typeof createSessionIndex>;
