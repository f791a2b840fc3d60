import type Provider from 'oidc-provider';
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/load.js';
import { epochSeconds, type Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

const { Check } = interactionPolicy;

/** The fields of an oidc-provider Session this policy reads and writes. */
export interface PolicySession {
  accountId?: string;
  /** When the person proved who they are (from the injectable clock). */
  loginTs?: number;
  /** Last use of the session at the authorization endpoint; persisted through IN_PAYLOAD below. */
  lastSeen?: number;
  /** Set when "remember me" was not ticked: a browser-session cookie and the shorter lifetimes. */
  transient?: boolean;
}

export type SessionLifetimes = Config['sessions'];

/** Idle timeout and absolute lifetime that apply to a session: the remembered ones when remember me was ticked. */
export function lifetimesOf(policy: SessionLifetimes, session: PolicySession) {
  const remembered = policy.rememberMe && !session.transient;
  return remembered
    ? { idle: policy.rememberIdleTimeout, max: policy.rememberMaxLifetime }
    : { idle: policy.idleTimeout, max: policy.maxLifetime };
}

/** Seconds the session has left at `now` (≤ 0: it has ended), the earlier of its idle and absolute ends. */
export function secondsLeft(policy: SessionLifetimes, session: PolicySession, now: number): number {
  const loginTs = session.loginTs ?? now;
  const { idle, max } = lifetimesOf(policy, session);
  return Math.min((session.lastSeen ?? loginTs) + idle, loginTs + max) - now;
}

/** The reason (login prompt) when a session's account was disabled or deleted. */
export const ACCOUNT_UNAVAILABLE = 'account_unavailable';
/** The reason when the client's max_age (or default_max_age) has passed by the server's clock. */
export const LOGIN_TOO_OLD = 'login_too_old';

/**
 * Session lifetime policy, decided by the injectable clock (oidc-provider's own TTLs run on real time):
 *
 * - a session that has been idle longer than the idle timeout, or has lived longer than the absolute
 *   lifetime, is gone: the models' `find` and `findByUid` treat it exactly as if the store had dropped
 *   it (and drop it), so the authorization endpoint starts afresh (`prompt=none` → login_required),
 *   and tokens bound to it (refresh and access tokens without offline_access) stop working;
 * - the store keeps each session only as long as it has left (`ttl`), so production agrees on real time;
 * - a session whose account is disabled or deleted is ended at the next authorization request;
 * - max_age and the client's default_max_age are checked against the same clock.
 */
export function createSessionPolicy(deps: { config: Pick<Config, 'sessions' | 'tokens'>; clock: Clock; logger: Logger }) {
  const policy = deps.config.sessions;
  const now = () => epochSeconds(deps.clock);

  /** Forgets who signed in, keeping the session's identity (an interaction under way still matches it). */
  function endLogin(session: PolicySession & { authorizations?: unknown; amr?: unknown; acr?: unknown; touched?: boolean }) {
    for (const field of ['accountId', 'loginTs', 'lastSeen', 'amr', 'acr', 'transient', 'authorizations'] as const) delete session[field];
    session.touched = true;
  }

  return {
    lifetimesOf: (session: PolicySession) => lifetimesOf(policy, session),

    /** Installs the policy on a provider (the first, and each one rebuilt after a key or schema change). */
    install(provider: Provider): void {
      const Session = provider.Session as unknown as {
        IN_PAYLOAD: string[];
        find(id: string, options?: unknown): Promise<(PolicySession & { destroy(): Promise<void> }) | undefined>;
        findByUid(uid: string): Promise<(PolicySession & { destroy(): Promise<void> }) | undefined>;
      };
      // lastSeen must survive a save; oidc-provider persists only the fields its model lists.
      const fields = [...Session.IN_PAYLOAD, 'lastSeen'];
      Object.defineProperty(Session, 'IN_PAYLOAD', { get: () => fields, configurable: true });

      const live = async <T extends (PolicySession & { destroy(): Promise<void> }) | undefined>(session: T): Promise<T | undefined> => {
        if (!session?.accountId || secondsLeft(policy, session, now()) > 0) return session;
        await session.destroy().catch((error: unknown) => deps.logger.warn({ err: error }, 'could not remove an expired session'));
        return undefined;
      };
      const find = Session.find.bind(Session);
      const findByUid = Session.findByUid.bind(Session);
      Session.find = async (id, options) => live(await find(id, options));
      Session.findByUid = async (uid) => live(await findByUid(uid));
    },

    /** ttl.Session: the store keeps a signed-in session exactly as long as the policy gives it. */
    ttl(_ctx: KoaContextWithOIDC, session: unknown): number {
      const current = session as PolicySession;
      if (!current.accountId) return deps.config.tokens.interactionTtl;
      return Math.max(1, secondsLeft(policy, current, now()));
    },

    /** Login-prompt checks, run on every authorization request after oidc-provider's own. */
    checks() {
      return [
        new Check(ACCOUNT_UNAVAILABLE, 'the account of this session can no longer sign in', 'login_required', async (ctx: KoaContextWithOIDC) => {
          const session = ctx.oidc.session as unknown as PolicySession & { touched?: boolean };
          if (!session?.accountId) return Check.NO_NEED_TO_PROMPT;
          if (!ctx.oidc.account) {
            endLogin(session);
            return Check.REQUEST_PROMPT;
          }
          // Activity: each authorization request inside a live session restarts the idle timeout.
          session.lastSeen = now();
          return Check.NO_NEED_TO_PROMPT;
        }),
        new Check(LOGIN_TOO_OLD, 'End-User authentication could not be obtained', 'login_required', async (ctx: KoaContextWithOIDC) => {
          const { session, params, result } = ctx.oidc;
          if (params?.max_age === undefined || !session?.accountId || result?.login) return Check.NO_NEED_TO_PROMPT;
          const loginTs = (session as unknown as PolicySession).loginTs;
          return loginTs !== undefined && now() - loginTs > Number(params.max_age) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
        }),
      ];
    },
  };
}

export type SessionPolicy = ReturnType<typeof createSessionPolicy>;
