import type { Context } from 'koa';
import { seeOther } from '../accounts/routes/page-kit.js';
import { AppError } from '../errors/app-error.js';
import { adminApiFor, query, type AdminApi, type ApiAnswer, type Problem } from './admin-api.js';
import type { Operator } from './guard.js';
import { showPage, type SectionId } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { msg, type Msg, type Text } from '../i18n/catalogs.js';

/** What the section modules share: the operator's admin API, its refusals as pages, form text. */

export const apiOf = (deps: ConsoleRouteDeps, ctx: Context): AdminApi => adminApiFor(ctx, deps.issuer, (ctx.state.operator as Operator).session.accessToken);

/** The console's page size for the admin API's lists. */
export const PAGE_SIZE = 25;

/** A page of one of the admin API's lists. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** An admin API refusal the page cannot place next to a field: the same status, as an HTML page (never a 500 for a 4xx). */
export function fail(answer: ApiAnswer<unknown>): never {
  const problem = answer.body as Problem;
  const reason = problem.detail ?? problem.title ?? '';
  throw new AppError(answer.status === 404 ? 'NOT_FOUND' : 'ADMIN_API_REFUSED', answer.status >= 400 && answer.status < 600 ? answer.status : 500, reason || 'The admin API refused this request.', {
    i18n: { key: 'console.common.apiRefused', values: { reason } },
  });
}

/**
 * A 400 or 409 from the admin API, placed next to the form field it names (`event_types.0` → `event_types`);
 * `form` when it names none of `fields`, so the page shows it above the form. The API's reason is
 * English (it is the API's language); the sentence around it comes from the catalogs.
 */
export function fieldErrorOf(answer: ApiAnswer<unknown>, fields: readonly string[]): { field: string; message: Msg } | undefined {
  if (answer.status !== 400 && answer.status !== 409) return undefined;
  const problem = answer.body as Problem;
  const named = (problem.field ?? '').split(/[.[]/)[0];
  return { field: fields.includes(named) ? named : 'form', message: msg('console.common.notAccepted', { reason: (problem.detail ?? '').replace(/^[\w.[\]]+: /, '') }) };
}

export const text = (value: unknown, max = 2000) => (typeof value === 'string' ? value.slice(0, max) : '');
/** One entry per line, trimmed, empty ones left out. */
export const lines = (value: string) => value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
/** One entry per line or comma, trimmed, empty ones left out. */
export const entries = (value: string) => value.split(/[\r\n,]+/).map((entry) => entry.trim()).filter(Boolean);
export const cursorOf = (ctx: Context) => (typeof ctx.query.cursor === 'string' ? ctx.query.cursor.slice(0, 500) : undefined);

/** Catalog keys (or messages) of a confirmation page. */
export interface Confirmation {
  heading: Text;
  message: Text;
  button: Text;
}

/** The confirmation page of a destructive action; its form posts to the action's own path. */
export function confirmPage(deps: ConsoleRouteDeps, ctx: Context, section: SectionId, confirmation: Confirmation, subject: string, action: string, back: string): void {
  showPage(deps, ctx, 'console-confirm', section, { title: confirmation.heading, ...confirmation, subject, action, back });
}

/** One page of a list as a console page shows it: the items, the link to the next page, and whether it is the first. */
export interface Listing<T> {
  items: T[];
  nextHref: string | undefined;
  firstPage: boolean;
}

/**
 * The page of the admin API's list `apiPath` that the cursor of the console page `pagePath` names. A
 * stale or foreign cursor sends the browser back to the first page: undefined, nothing left to show.
 */
export async function listPage<T>(ctx: Context, api: AdminApi, apiPath: string, pagePath: string, limit = PAGE_SIZE): Promise<Listing<T> | undefined> {
  const cursor = cursorOf(ctx);
  const answer = await api.call<Page<T>>('GET', `${apiPath}${query({ limit, cursor })}`);
  if (answer.status === 400 && cursor) {
    seeOther(ctx, pagePath);
    return undefined;
  }
  if (answer.status !== 200) fail(answer);
  return { items: answer.body.items, nextHref: answer.body.next_cursor ? `${pagePath}${query({ cursor: answer.body.next_cursor })}` : undefined, firstPage: !cursor };
}
