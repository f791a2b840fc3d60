import type { Context } from 'koa';
import type { Clock } from '../shared/clock.js';
import type { Sealer } from './seal.js';

const SECRET_COOKIE = 'idp.console-secret';
const LIFETIME_MS = 60_000;

/**
 * A secret shown once: the POST that made it seals it into an HttpOnly cookie limited to `path` that
 * lives a minute, and the page after the 303 reads it once and clears it. Used for client secrets
 * and webhook signing secrets; `kind` and the object's id are sealed with it, so one object's secret
 * is never shown on another's page. Both ends read the server's clock (the one the overview and the
 * sign-in read), so a test's manual clock decides when a flash has expired.
 */
export function secretFlash(deps: { secrets: Sealer; secureCookies: boolean; overview: { clock: Clock } }, kind: string, path: string) {
  const clock = deps.overview.clock;
  return {
    async put(ctx: Context, id: string, secret: string): Promise<void> {
      const expires = new Date(clock.now().getTime() + LIFETIME_MS);
      ctx.cookies.set(SECRET_COOKIE, await deps.secrets.seal({ kind, id, secret }, expires), { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, path, maxAge: LIFETIME_MS, overwrite: true, signed: true });
    },
    async take(ctx: Context, id: string): Promise<string | undefined> {
      const flashed = await deps.secrets.open<{ kind: string; id: string; secret: string }>(ctx.cookies.get(SECRET_COOKIE, { signed: true }), clock.now());
      if (!flashed) return undefined;
      ctx.cookies.set(SECRET_COOKIE, null, { path, overwrite: true });
      return flashed.kind === kind && flashed.id === id ? flashed.secret : undefined;
    },
  };
}
