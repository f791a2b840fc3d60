import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { requireCsrf } from '../http/csrf.js';
import { formBody } from '../http/form-body.js';
import { parseInput } from '../http/validate.js';
import type { I18n } from './index.js';
import { LOCALE_COOKIE } from './request-locale.js';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;
const switchForm = z.object({ csrf: z.string().max(256), locale: z.string().max(64).default(''), return_to: z.string().max(2048).default('/account') });

/** A path on this server only: "/…" but not "//host" or "/\host", which browsers read as another origin. */
export function localReturnPath(value: string): string {
  return /^\/(?![/\\])[^\s\\]*$/.test(value) ? value : '/account';
}

/**
 * The language switch every hosted page shows: a plain form (no script) that keeps the choice in a
 * cookie and goes back to the page. A POST with the page's CSRF token, so another site cannot switch
 * someone's language; an unknown language just clears the choice.
 */
export function createLanguageRouter(deps: { i18n: I18n; secureCookies: boolean }): Router {
  const router = new Router({ prefix: '/account' });
  router.post('/language', formBody(), requireCsrf(), (ctx: Context) => {
    const form = parseInput(switchForm, ctx.request.body);
    const locale = deps.i18n.supported(form.locale);
    ctx.cookies.set(LOCALE_COOKIE, locale ?? null, { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, path: '/', maxAge: ONE_YEAR_MS, overwrite: true });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(localReturnPath(form.return_to));
    ctx.status = 303;
  });
  return router;
}
