import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { requestOriginOf } from '../http/request-context.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import { keptPage, type Page, type PageRequest } from '../storage/pagination.js';
import type { BrowserSessionRow, GrantIndexRow, IndexQueries } from './index-queries.js';
import { grantedResourceScope } from './resource-consent.js';
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
  expiresAt: Date | null;
  clientIds: string[];
}

export interface GrantView {
  grantId: string;
  clientId: string;
  createdAt: Date;
  expiresAt: Date | null;
  /** The OpenID Connect scopes granted (`scope` as one string, null when there are none). */
  scope: string | null;
  scopes: string[];
  /** API resource → granted scope. */
  resources: Record<string, string>;
}

/** One relying party a session had signed in to, and the `sid` it was told (OIDC Front/Back-Channel Logout). */
export interface EndedSessionClient {
  clientId: string;
  sid?: string;
}

/**
 * Told of every session the index ends (and of an application's access being removed), before it
 * ends, so each relying party can be sent a logout token (src/oidc/backchannel-logout.ts). It only
 * queues: a receiver that is down never delays the person.
 */
export type SessionEndedListener = (ended: { accountId: string; clients: EndedSessionClient[]; reason: string }) => Promise<unknown>;

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
 * finish before its response leaves, so a session is listed (and revocable) from its first page;
 * listings and revocations wait for writes made outside one (a consent saving its grant). A listing
 * checks every entry against the store and drops those that are gone. It serves the account pages,
 * password changes and resets, and the admin API.
 */
export function createSessionIndex(deps: { queries: IndexQueries; box: SecretBox; clock: Clock; logger: Logger; onSessionEnded?: SessionEndedListener }) {
  const { queries, box, clock } = deps;
  const unchanged = createUnchangedWrites(() => clock.now().getTime());

  const outside = new Set<Promise<unknown>>();
  const remember = (write: Promise<unknown>) => {
    const ctx = (Provider as unknown as { ctx?: TrackedContext }).ctx;
    if (ctx) {
      (ctx[PENDING] ??= []).push(write);
      return;
    }
    const settled = write
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not update the session index'))
      .finally(() => outside.delete(settled));
    outside.add(settled);
  };
  const settle = () => Promise.allSettled([...outside]);

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

  const dropSession = (uid: string) => {
    unchanged.forget(uid);
    return queries.deleteBrowserSession(uid);
  };

  /** Ends the session a row points to and drops the row; false when the session was already gone. */
  async function destroySession(provider: Provider, row: BrowserSessionRow, reason: string): Promise<boolean> {
    const live = await liveSession(provider, row);
    // Queued before the session goes: a crash in between logs the relying parties out early rather than never.
    if (live && deps.onSessionEnded) {
      const clients = clientsOf(live.session);
      if (clients.length) await deps.onSessionEnded({ accountId: row.account_id, clients, reason });
    }
    if (live) await (provider.Session as unknown as { adapter: { destroy(id: string): Promise<void> } }).adapter.destroy(live.id);
    await dropSession(row.uid);
    return live !== undefined;
  }

  /** The relying parties a session signed in to, with the sid each was given. */
  function clientsOf(session: { authorizations?: Record<string, { sid?: string }> }): EndedSessionClient[] {
    return Object.entries(session.authorizations ?? {}).map(([clientId, authorization]) => ({ clientId, sid: authorization?.sid }));
  }

  /** The view of a row whose session still exists; a stale row is dropped. */
  async function sessionView(provider: Provider, row: BrowserSessionRow): Promise<SessionView | undefined> {
    if (!(await liveSession(provider, row))) {
      await dropSession(row.uid);
      return undefined;
    }
    return {
      uid: row.uid,
      userAgent: row.user_agent,
      ip: row.ip,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      loginAt: row.login_at,
      expiresAt: row.expires_at,
      clientIds: row.client_ids,
    };
  }

  /** The view of a row whose grant still exists for its account; a stale row is dropped. */
  async function grantView(provider: Provider, row: GrantIndexRow): Promise<GrantView | undefined> {
    const grant = (await provider.Grant.find(row.grant_id)) as
      | (InstanceType<Provider['Grant']> & { openid?: { scope?: string }; resources?: Record<string, unknown> })
      | undefined;
    if (!grant || grant.accountId !== row.account_id) {
      await queries.deleteGrantIndex(row.grant_id);
      return undefined;
    }
    const scope = grant.openid?.scope ?? null;
    return {
      grantId: row.grant_id,
      clientId: row.client_id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      scope,
      scopes: (scope ?? '').split(' ').filter(Boolean),
      resources: Object.fromEntries(Object.entries(grant.resources ?? {}).map(([resource, granted]) => [resource, grantedResourceScope(String(granted))])),
    };
  }

  async function liveViews<R, V>(rows: R[], view: (row: R) => Promise<V | undefined>): Promise<V[]> {
    const views: V[] = [];
    for (const row of rows) {
      const item = await view(row);
      if (item) views.push(item);
    }
    return views;
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
      await settle();
      return liveViews(await queries.listBrowserSessions(accountId, clock.now()), (row) => sessionView(provider, row));
    },

    /** A page of the account's live sessions, in the order the index first saw them. */
    async listSessionsPage(provider: Provider, accountId: string, page: PageRequest): Promise<Page<SessionView>> {
      await settle();
      return keptPage(page, (request) => queries.listBrowserSessionsPage(accountId, clock.now(), request), (row) => sessionView(provider, row));
    },

    /** Records that a session was used outside the protocol endpoints (the account pages). */
    touch: (uid: string) => queries.touchBrowserSession(uid, clock.now()),

    /** Ends one session of the account; false when the account has no such session (or it had ended). */
    async revokeSession(provider: Provider, accountId: string, uid: string, reason = 'session_revoked'): Promise<boolean> {
      await settle();
      const row = await queries.findBrowserSession(uid);
      if (!row || row.account_id !== accountId) return false;
      return destroySession(provider, row, reason);
    },

    /** Ends every session of the account but `exceptUid`; returns how many were still live. */
    async revokeSessions(provider: Provider, accountId: string, exceptUid?: string, reason = 'sessions_revoked'): Promise<number> {
      await settle();
      let count = 0;
      for (const row of await queries.listBrowserSessions(accountId, new Date(0))) {
        if (row.uid === exceptUid) continue;
        if (await destroySession(provider, row, reason)) count += 1;
      }
      return count;
    },

    /** The applications the account has granted access to, with what they may do. */
    async listGrants(provider: Provider, accountId: string): Promise<GrantView[]> {
      await settle();
      return liveViews(await queries.listGrantIndex(accountId, clock.now()), (row) => grantView(provider, row));
    },

    /** A page of the account's live grants, oldest first. */
    async listGrantsPage(provider: Provider, accountId: string, page: PageRequest): Promise<Page<GrantView>> {
      await settle();
      return keptPage(page, (request) => queries.listGrantIndexPage(accountId, clock.now(), request), (row) => grantView(provider, row));
    },

    /**
     * Revokes one of the account's grants and every token issued under it. With `logoutReason`, the
     * application is also sent a logout token: one per live session that signed in to it (with its
     * sid), or one naming only the account when none did (its own sessions may outlive ours).
     */
    async revokeGrant(provider: Provider, accountId: string, grantId: string, logoutReason?: string): Promise<{ clientId: string } | undefined> {
      const grant = await provider.Grant.find(grantId);
      if (!grant || grant.accountId !== accountId) return undefined;
      if (logoutReason && deps.onSessionEnded) {
        await settle();
        const clientId = grant.clientId!;
        const clients: EndedSessionClient[] = [];
        for (const row of await queries.listBrowserSessions(accountId, clock.now())) {
          if (!row.client_ids.includes(clientId)) continue;
          const live = await liveSession(provider, row);
          const mine = live && clientsOf(live.session).find((client) => client.clientId === clientId);
          if (mine) clients.push(mine);
        }
        await deps.onSessionEnded({ accountId, clients: clients.length ? clients : [{ clientId }], reason: logoutReason });
      }
      await revokeGrant(provider, grantId);
      await queries.deleteGrantIndex(grantId);
      return { clientId: grant.clientId! };
    },

    /**
     * Revokes every refresh token, access token and code the account holds, keeping the grants
     * themselves (what the person allowed each app stays allowed; the app must sign in again).
     */
    async revokeTokens(provider: Provider, accountId: string): Promise<number> {
      await settle();
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
