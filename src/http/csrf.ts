import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.js';
import { constantTimeEqual } from '../shared/digest.js';
import { newSecretToken } from '../shared/ids.js';

const COOKIE = 'idp.csrf';

/**
 * Signed double-submit CSRF protection for the hosted forms. The browser gets a random token in a
 * signed, HttpOnly, SameSite cookie; each form repeats it in a hidden field; a POST is accepted only
 * when both match. Another site can neither read the cookie nor forge its signature.
 */
export function csrfToken(ctx: Context, secure: boolean): string {
  const existing = ctx.cookies.get(COOKIE, { signed: true });
  if (existing) return existing;
  const token = newSecretToken();
  ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', secure, overwrite: true, path: '/' });
  return token;
}

export function requireCsrf() {
  return async (ctx: Context, next: Next) => {
    if (ctx.method === 'POST') {
      const expected = ctx.cookies.get(COOKIE, { signed: true });
      const body = ctx.request.body as Record<string, unknown> | undefined;
      const presented = typeof body?.csrf === 'string' ? body.csrf : '';
      if (!expected || !presented || !constantTimeEqual(expected, presented)) {
        throw new AppError('CSRF_FAILED', 403, 'This form has expired or was not sent from this site. Go back, reload the page and try again.');
      }
    }
    await next();
  };
}
