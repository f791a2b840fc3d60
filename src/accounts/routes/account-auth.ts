import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountRow } from '../queries.js';
import type { AccountService } from '../service.js';
import type { SessionIndex } from '../../oidc/session-index.js';
import { epochSeconds, type Clock } from '../../shared/clock.js';
import { sha256 } from '../../shared/digest.js';
import { newSecretToken } from '../../shared/ids.js';
import { safeReturnPath } from '../links.js';
import { useSavedLocale } from '../../i18n/request-locale.js';
import { AMR, signedInWithin, usedPasskey } from '../../mfa/policy.js';
import type { ConfirmPassword } from '../password-confirmation.js';
import { originOf } from './page-kit.js';

const STATE_COOKIE = 'idp.account-login';

export interface SignedIn {
  account: AccountRow;
  sessionUid: string;
  /** Seconds since the epoch of the last sign-in with credentials. */
  loginTs?: number;
  /** How that sign-in was made (RFC 8176 values: pwd, mfa, hwk, swk, fed…). */
  amr?: string[];
}

/**
 * The account pages use the SSO session of the hosted login: oidc-provider's session cookie, read
 * from a plain Koa context. Nobody signed in (or a sign-in not recent enough for the change asked
 * for) sends the browser through an ordinary authorization request of the built-in first-party
 * client, so the same login page, throttling, lockout and MFA apply; it comes back to
 * /account/callback and then to the page it started from.
 */
export function createAccountAuth(deps: {
  provider: () => Provider;
  accounts: AccountService;
  sessions: SessionIndex;
  clock: Clock;
  clientId: string;
  issuer: string;
  secureCookies: boolean;
  recentLoginSeconds: number;
  passkeys: { count(accountId: string): Promise<number> };
}) {
  const isRecent = (signed: SignedIn) => signedInWithin(signed.loginTs, epochSeconds(deps.clock), deps.recentLoginSeconds);
  return {
    async current(ctx: Context): Promise<SignedIn | undefined> {
      const session = await deps.provider().Session.get(ctx);
      if (!session.accountId) return undefined;
      const account = await deps.accounts.findById(session.accountId);
      if (!account || account.status !== 'active') return undefined;
      useSavedLocale(account.locale);
      await deps.sessions.touch(session.uid);
      return { account, sessionUid: session.uid, loginTs: session.loginTs, amr: (session as unknown as { amr?: string[] }).amr };
    },

    isRecent,

    /**
     * What stands for the password of an account that has none: a sign-in within RECENT_LOGIN_SECONDS
     * made with a credential of this server (a passkey, or the password it had until a moment ago), so
     * that a sign-in through an upstream provider cannot change what the account's passkeys guard. An
     * account with no passkey (created by an upstream provider) has only that sign-in to show.
     */
    async provenWithoutPassword(signed: SignedIn): Promise<boolean> {
      if (!isRecent(signed)) return false;
      if (usedPasskey(signed.amr) || (signed.amr ?? []).includes(AMR.password)) return true;
      return (await deps.passkeys.count(signed.account.id)) === 0;
    },

    /** Redirects to the hosted login; `fresh` asks for the credentials again even with a session. */
    startLogin(ctx: Context, returnTo: string, fresh = false): void {
      const state = newSecretToken();
      ctx.cookies.set(STATE_COOKIE, `${state}|${safeReturnPath(returnTo) ?? '/account'}`, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.secureCookies,
        path: '/account',
        maxAge: 3600_000,
        overwrite: true,
      });
      const url = new URL(deps.provider().urlFor('authorization'));
      url.search = new URLSearchParams({
        client_id: deps.clientId,
        response_type: 'code',
        redirect_uri: `${deps.issuer}/account/callback`,
        scope: 'openid',
        state,
        // PKCE is required of every client. The verifier is thrown away: the code is never redeemed,
        // and so it is useless to anyone who sees it.
        code_challenge: sha256(newSecretToken()),
        code_challenge_method: 'S256',
        ...(fresh ? { prompt: 'login' } : {}),
      }).toString();
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(url.href);
      ctx.status = ctx.method === 'GET' ? 302 : 303;
    },

    /** Where the login that `state` started wanted to go; undefined when it did not start here. */
    finishLogin(ctx: Context, state: unknown): string | undefined {
      const cookie = ctx.cookies.get(STATE_COOKIE, { signed: true });
      ctx.cookies.set(STATE_COOKIE, null, { path: '/account', overwrite: true });
      if (!cookie || typeof state !== 'string') return undefined;
      const separator = cookie.indexOf('|');
      if (cookie.slice(0, separator) !== state) return undefined;
      return safeReturnPath(cookie.slice(separator + 1));
    },
  };
}

export type AccountAuth = ReturnType<typeof createAccountAuth>;

/**
 * The proof before a sensitive change on an account page: the password again. A passwordless account
 * has none to type, so a sign-in within RECENT_LOGIN_SECONDS (for it, a passkey) stands for it.
 * False: the browser was sent to sign in again (back to `returnTo`), and the change must not run.
 */
export async function reauthenticated(
  ctx: Context,
  deps: { auth: AccountAuth; confirmPassword: ConfirmPassword },
  signed: SignedIn,
  password: string,
  returnTo: string,
): Promise<boolean> {
  if (signed.account.password_hash) {
    await deps.confirmPassword(signed.account, originOf(ctx), password, 'password');
    return true;
  }
  if (await deps.auth.provenWithoutPassword(signed)) return true;
  deps.auth.startLogin(ctx, returnTo, true);
  return false;
}
