import { formBody } from '../../http/form-body.js';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.js';
import { csrfToken } from '../../http/csrf.js';
import { requestOriginOf, type RequestOrigin } from '../../http/request-context.js';
import type { RenderPage } from '../../http/views.js';
import type { MailLimit } from '../../ratelimit/mail-limit.js';
import { RateLimitedError } from '../../ratelimit/store.js';
import { LinkError } from '../account-tokens.js';
import { msg, type Msg, type Text } from '../../i18n/catalogs.js';
import { errorText } from '../../i18n/error-text.js';

/** The hosted account forms: urlencoded bodies only, small. */
export const forms = formBody();

export interface PageDeps {
  render: RenderPage;
  secureCookies: boolean;
}

export const originOf = (ctx: Context): RequestOrigin => requestOriginOf(ctx.req);

/** Renders a hosted page with a fresh CSRF token; never cached (pages carry tokens and account data). */
export function renderPage(deps: PageDeps, ctx: Context, template: string, data: Record<string, unknown>, status = 200): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = deps.render(template, { ...data, csrf: csrfToken(ctx, deps.secureCookies) });
}

/** 303 See Other after every POST, so a reload never posts twice. */
export function seeOther(ctx: Context, location: string): void {
  ctx.redirect(location);
  ctx.status = 303;
}

/** Renders a form again with the problem in its alert, for errors a person can fix on the spot. */
export async function withFormErrors(
  ctx: Context,
  action: () => Promise<void>,
  rerender: (error: Text, status: number) => void | Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AppError && error.status < 500 && error.status !== 403 && error.status !== 404) {
      for (const [name, value] of Object.entries(error.headers ?? {})) ctx.set(name, value);
      await rerender(error instanceof RateLimitedError ? tooManyMails(error.retryAfter) : errorText(error), error.status);
      return;
    }
    throw error;
  }
}

const tooManyMails = (retryAfter: number): Msg => msg('error.tooManyMails', { minutes: Math.ceil(retryAfter / 60) });

/** The mail-sending endpoints are limited per address and per IP (ratelimit/mail-limit.ts). */
export const checkMailLimit = (limit: MailLimit, ctx: Context, address: string) => limit.check(address, ctx.ip);

/**
 * Runs a step that depends on a mailed link; a link that does not work becomes a page that says why
 * and where to get a new one (400), instead of a bare error.
 */
export async function linkOrNotice<T>(deps: PageDeps, ctx: Context, step: () => Promise<T>, next: { href: string; text: Text }): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof LinkError)) throw error;
    renderPage(deps, ctx, 'notice', { title: 'link.title', heading: 'link.heading', message: errorText(error), link: next, code: error.code }, 400);
    return undefined;
  }
}
