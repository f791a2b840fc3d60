import type Router from '@koa/router';
import type { Context } from 'koa';
import { seeOther } from '../accounts/routes/page-kit.js';
import { AppError } from '../errors/app-error.js';
import { adminApiFor, query, type ApiAnswer, type Problem } from './admin-api.js';
import type { Operator } from './guard.js';
import { showPage } from './page-kit.js';
import { msg } from '../i18n/catalogs.js';
import type { ConsoleRouteDeps } from './routes.js';
import type { ChainedRow } from '../audit/chain.js';

const PAGE_SIZE = 50;
/** The most events one console export sends (the export is buffered in process; the API and CLI stream any size). */
export const CONSOLE_EXPORT_LIMIT = 100_000;
const FILTERS = ['type', 'account', 'client', 'actor', 'ip', 'outcome', 'from', 'to'] as const;

/** What the console lists of an event (the stored row is `ChainedRow`). */
type StoredEvent = Pick<ChainedRow, 'id' | 'occurred_at' | 'type' | 'outcome' | 'actor_type' | 'actor_id' | 'account_id' | 'client_id'>;

const filterOf = (ctx: Context) =>
  Object.fromEntries(FILTERS.map((name) => [name, typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim().slice(0, 300) : ''])) as Record<(typeof FILTERS)[number], string>;

function fail(answer: ApiAnswer<unknown>): never {
  const problem = answer.body as Problem;
  throw new AppError('ADMIN_API_REFUSED', answer.status >= 400 && answer.status < 600 ? answer.status : 500, problem.detail ?? 'The admin API refused this request.', { i18n: { key: 'console.common.apiRefused', values: { reason: problem.detail ?? '' } } });
}

/**
 * Events: the audit log through the admin API's GET /events (filter by type, account, client,
 * actor, IP address, outcome and time; newest first, with its cursors), its NDJSON export, and the chain check that
 * `idp events verify` runs (read-only, so it needs admin:read only).
 */
export function eventPages(router: Router, deps: ConsoleRouteDeps & { verifyChain(): Promise<{ ok: boolean; checked: number; unchained: number; broken?: { eventId?: string; checkpointId?: string; reason: string } }> }): void {
  const { read } = deps.guard;
  const api = (ctx: Context) => adminApiFor(ctx, deps.issuer, (ctx.state.operator as Operator).session.accessToken);

  router.get('/admin/events', read, async (ctx) => {
    const filter = filterOf(ctx);
    const cursor = typeof ctx.query.cursor === 'string' ? ctx.query.cursor.slice(0, 200) : undefined;
    const answer = await api(ctx).call<{ items: StoredEvent[]; next_cursor: string | null }>('GET', `/events${query({ ...filter, limit: PAGE_SIZE, cursor })}`);
    if (answer.status === 400) {
      const problem = answer.body as unknown as Problem;
      if (problem.field === 'cursor') return seeOther(ctx, `/admin/events${query(filter)}`);
      const field = (problem.field ?? '').split(/[.[]/)[0];
      const error = { field: (FILTERS as readonly string[]).includes(field) ? field : 'form', message: msg('console.events.filterRefused', { reason: (problem.detail ?? '').replace(/^[\w.[\]]+: /, '') }) };
      return showPage(deps, ctx, 'console-events', 'events', { title: 'console.events.title', filter, events: [], error, exportHref: undefined }, 400);
    }
    if (answer.status !== 200) fail(answer);
    const nextHref = answer.body.next_cursor ? `/admin/events${query({ ...filter, cursor: answer.body.next_cursor })}` : undefined;
    showPage(deps, ctx, 'console-events', 'events', {
      title: 'console.events.title', filter, events: answer.body.items, nextHref, firstPage: !cursor, exportHref: `/admin/events/export${query(filter)}`, exportLimit: CONSOLE_EXPORT_LIMIT,
    });
  });

  router.get('/admin/events/export', read, async (ctx) => {
    const filter = filterOf(ctx);
    const answer = await adminApiFor(ctx, deps.issuer, (ctx.state.operator as Operator).session.accessToken).raw('GET', `/events${query({ ...filter, format: 'ndjson', limit: CONSOLE_EXPORT_LIMIT })}`);
    if (answer.status !== 200) return seeOther(ctx, `/admin/events${query(filter)}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', 'attachment; filename="events.ndjson"');
    ctx.type = 'application/x-ndjson; charset=utf-8';
    ctx.body = answer.body;
  });

  router.get('/admin/events/verify', read, async (ctx) => {
    const report = await deps.verifyChain();
    showPage(deps, ctx, 'console-events-verify', 'events', { title: 'console.eventsVerify.title', report });
  });
}
