import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.js';
import type { ApiGuard, ApiCaller } from '../rbac/api-guard.js';
import { epochSeconds, type Clock } from '../shared/clock.js';
import { useSavedLocale } from '../i18n/request-locale.js';
import { CONSOLE_PATH, type ConsoleSession, type ConsoleSignIn } from './sign-in.js';

export interface Operator {
  session: ConsoleSession;
  caller: ApiCaller;
  /** Whether the token delegates admin:write (shown as read-only pages otherwise). */
  canWrite: boolean;
}

export interface ConsoleGuardDeps {
  signIn: ConsoleSignIn;
  apiGuard: ApiGuard;
  /** The admin API's identifier (audience). */
  adminApi: string;
  clock: Clock;
  /** CONSOLE_RECENT_SIGN_IN_SECONDS */
  recentSignInSeconds: number;
  refuse(ctx: Context, message: string): void;
}

/** Where a form's action belongs: its page (an action path is the page's path plus one verb, or plus sessions/:uid/end). */
export const pageOfAction = (path: string) => path.slice(0, path.lastIndexOf('/')).replace(/\/sessions\/[^/]+$/, '') || CONSOLE_PATH;

const signInPath = (returnTo: string, fresh = false) => `${CONSOLE_PATH}/sign-in?${new URLSearchParams({ return_to: returnTo, ...(fresh ? { fresh: '1' } : {}) })}`;

/**
 * Who may use the console, decided by the admin API's own rule (rbac/api-guard.ts) on the operator's
 * delegated token, before every page and every change: reading needs admin:read, a change admin:write,
 * both from a first-party client named for delegation, consented, multi-factor, and held right now
 * through roles. A change also needs a sign-in no older than CONSOLE_RECENT_SIGN_IN_SECONDS; an older
 * one is sent to sign in again (password and second factor) and back to the page.
 */
export function createConsoleGuard(deps: ConsoleGuardDeps) {
  async function authorize(ctx: Context, permission: 'admin:read' | 'admin:write'): Promise<Operator | undefined> {
    const returnTo = ctx.method === 'GET' ? ctx.originalUrl : pageOfAction(ctx.path);
    const session = await deps.signIn.current(ctx);
    if (!session) {
      ctx.status = 303;
      ctx.redirect(signInPath(returnTo));
      return undefined;
    }
    // The operator's saved language, for every page from here on (refusals included).
    useSavedLocale(session.locale);
    try {
      const caller = await deps.apiGuard.authorizeToken(session.accessToken, deps.adminApi, permission);
      const canWrite = permission === 'admin:write' || Boolean(caller.scopes?.has('admin:write'));
      return { session, caller, canWrite };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.status === 401) {
        // Expired, or not multi-factor: a new sign-in (which asks for the second factor) fixes it.
        deps.signIn.signOut(ctx);
        ctx.status = 303;
        ctx.redirect(signInPath(returnTo));
        return undefined;
      }
      deps.refuse(ctx, permission === 'admin:read' ? 'console.refused.needsRead' : 'console.refused.needsWrite');
      return undefined;
    }
  }

  return {
    /** Every console page: a signed-in operator holding admin:read. Sets ctx.state.operator. */
    read: async (ctx: Context, next: Next) => {
      const operator = await authorize(ctx, 'admin:read');
      if (!operator) return;
      ctx.state.operator = operator;
      await next();
    },
    /** Every change: admin:write, and a recent sign-in. */
    write: async (ctx: Context, next: Next) => {
      const operator = await authorize(ctx, 'admin:write');
      if (!operator) return;
      if (epochSeconds(deps.clock) - operator.session.authTime > deps.recentSignInSeconds) {
        ctx.status = 303;
        ctx.redirect(signInPath(pageOfAction(ctx.path), true));
        return;
      }
      ctx.state.operator = operator;
      await next();
    },
  };
}

export type ConsoleGuard = ReturnType<typeof createConsoleGuard>;
