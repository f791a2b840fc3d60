import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { ACR_MFA } from '../mfa/policy.js';
import { epochSeconds, type Clock } from '../shared/clock.js';
import { dispatchFrom, fetchThrough } from './in-process.js';
import type { Sealer } from './seal.js';

export const CONSOLE_PATH = '/admin';
const SESSION_COOKIE = 'idp.console';
const LOGIN_COOKIE = 'idp.console-login';
/** The scopes the console asks for: the operator's admin-API permissions, delegated (docs/rbac.md). */
export const CONSOLE_SCOPE = 'openid email admin:read admin:write';

/** An operator signed in to the console: who, how, and the delegated admin-API token, held sealed. */
export interface ConsoleSession {
  accountId: string;
  email?: string;
  accessToken: string;
  /** Seconds since the epoch: when the operator last entered their credentials (id token auth_time). */
  authTime: number;
  acr?: string;
  /** Seconds since the epoch: when the access token (and so this session) ends. */
  expiresAt: number;
  /** The id token of the sign-in: the id_token_hint of the RP-initiated logout that ends the SSO session too. */
  idToken?: string;
  /** The language the operator saved on their account page, read at sign-in: the console's pages use it. */
  locale?: string;
}

interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  fresh: boolean;
}

export interface ConsoleSignInDeps {
  issuer: string;
  clientId: string;
  adminApi: string;
  secureCookies: boolean;
  clock: Clock;
  sessions: Sealer;
  logins: Sealer;
  /** The account's saved language (accounts.locale), if any. */
  savedLocale(accountId: string): Promise<string | null | undefined>;
}

/** Only paths inside the console: a return address is never another site or another part of this one. */
export function consoleReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500) return CONSOLE_PATH;
  if (!/^\/admin(?:[/?]|$)/.test(value) || value.startsWith('/admin/api') || /[\\\s]|\/\//.test(value)) return CONSOLE_PATH;
  return value;
}

/**
 * The console signs operators in as a relying party of this server: authorization code with PKCE,
 * state and nonce, done by openid-client against our own discovery document and token endpoint
 * (reached in process). Every sign-in asks for a multi-factor one (acr_values), because the admin
 * API accepts a person's token only when it is (rbac/api-guard.ts); `fresh` also asks for the
 * credentials again (prompt=login, max_age=0), which is how the console's "unlock to change" works.
 * The result lives in the console's own cookie (path /admin, sealed, HttpOnly, SameSite=Lax); it
 * never reads or writes the SSO session cookie of the account pages.
 */
export function createConsoleSignIn(deps: ConsoleSignInDeps) {
  let metadata: Promise<oidc.ServerMetadata> | undefined;
  const redirectUri = `${deps.issuer}${CONSOLE_PATH}/callback`;
  const cookieOptions = (maxAgeMs: number) => ({ httpOnly: true, sameSite: 'lax' as const, secure: deps.secureCookies, path: CONSOLE_PATH, maxAge: maxAgeMs, overwrite: true, signed: true });

  async function configuration(ctx: Context): Promise<oidc.Configuration> {
    const customFetch = fetchThrough(dispatchFrom(ctx, deps.issuer), deps.issuer) as unknown as oidc.CustomFetch;
    const insecure = deps.issuer.startsWith('http:');
    metadata ??= oidc
      .discovery(new URL(deps.issuer), deps.clientId, undefined, oidc.None(), { [oidc.customFetch]: customFetch, ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}) })
      .then((found) => found.serverMetadata())
      .catch((error: unknown) => {
        metadata = undefined;
        throw error;
      });
    const config = new oidc.Configuration(await metadata, deps.clientId, undefined, oidc.None());
    config[oidc.customFetch] = customFetch;
    if (insecure) oidc.allowInsecureRequests(config);
    return config;
  }

  return {
    async current(ctx: Context): Promise<ConsoleSession | undefined> {
      return deps.sessions.open<ConsoleSession>(ctx.cookies.get(SESSION_COOKIE, { signed: true }), deps.clock.now());
    },

    /** Sends the browser to the authorization endpoint; `fresh` demands the credentials again. */
    async start(ctx: Context, returnTo: string, fresh: boolean): Promise<void> {
      const pending: PendingLogin = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), returnTo: consoleReturnPath(returnTo), fresh };
      const expires = new Date(deps.clock.now().getTime() + 3600_000);
      ctx.cookies.set(LOGIN_COOKIE, await deps.logins.seal({ ...pending }, expires), cookieOptions(3600_000));
      const url = oidc.buildAuthorizationUrl(await configuration(ctx), {
        redirect_uri: redirectUri,
        scope: CONSOLE_SCOPE,
        resource: deps.adminApi,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        acr_values: ACR_MFA,
        ...(fresh ? { prompt: 'login', max_age: '0' } : {}),
      });
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 303;
      ctx.redirect(url.href);
      ctx.status = 303;
    },

    /**
     * Redeems the code of the callback. Returns where to go next, or throws what openid-client
     * refused (a state that does not match, an error from the server, a code already used).
     */
    async finish(ctx: Context): Promise<{ returnTo: string; session: ConsoleSession }> {
      const pending = await deps.logins.open<PendingLogin>(ctx.cookies.get(LOGIN_COOKIE, { signed: true }), deps.clock.now());
      ctx.cookies.set(LOGIN_COOKIE, null, { path: CONSOLE_PATH, overwrite: true });
      if (!pending) throw new ConsoleSignInError('no sign-in was started from this browser, or it took longer than an hour');
      const config = await configuration(ctx);
      const current = new URL(`${redirectUri}${ctx.search}`);
      const tokens = await oidc.authorizationCodeGrant(
        config,
        current,
        { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true, ...(pending.fresh ? { maxAge: 0 } : {}) },
        { resource: deps.adminApi },
      );
      const claims = tokens.claims()!;
      const now = epochSeconds(deps.clock);
      const locale = await deps.savedLocale(claims.sub);
      const session: ConsoleSession = {
        accountId: claims.sub,
        ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
        accessToken: tokens.access_token,
        authTime: typeof claims.auth_time === 'number' ? claims.auth_time : now,
        ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
        expiresAt: now + (tokens.expires_in ?? 300),
        ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
        ...(locale ? { locale } : {}),
      };
      const expires = new Date(session.expiresAt * 1000);
      ctx.cookies.set(SESSION_COOKIE, await deps.sessions.seal({ ...session }, expires), cookieOptions(expires.getTime() - deps.clock.now().getTime()));
      return { returnTo: pending.returnTo, session };
    },

    /** Forgets the console's own session (the SSO session of the account pages stays). */
    signOut(ctx: Context): void {
      ctx.cookies.set(SESSION_COOKIE, null, { path: CONSOLE_PATH, overwrite: true });
    },

    /**
     * Where to send the browser to end the SSO session too: RP-initiated logout (OpenID Connect
     * RP-Initiated Logout 1.0 §2) at this server's end_session_endpoint, with the sign-in's id token
     * as id_token_hint and the console's registered post-logout URI. The server asks the person to
     * confirm (its own CSRF-protected form), ends the session, and sends them to /admin/signed-out.
     */
    async endSessionUrl(ctx: Context, session: ConsoleSession): Promise<string | undefined> {
      if (!session.idToken) return undefined;
      return oidc.buildEndSessionUrl(await configuration(ctx), { id_token_hint: session.idToken, post_logout_redirect_uri: `${deps.issuer}${CONSOLE_PATH}/signed-out` }).href;
    },
  };
}

export class ConsoleSignInError extends Error {}

export type ConsoleSignIn = ReturnType<typeof createConsoleSignIn>;
