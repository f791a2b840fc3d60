import type { Context, Next } from 'koa';
import { normalizeError, toProblem } from '../errors/problem.js';
import type { Logger } from '../shared/logger.js';
import type { RenderPage } from './views.js';
import { errorText } from '../i18n/error-text.js';

/**
 * The one place errors become responses: problem+json (RFC 9457) for APIs, an HTML page for the
 * hosted pages. Unexpected errors are logged with their stack and answered with a generic 500 that
 * carries the request id, never the stack.
 */
export function errorHandler(deps: { render: RenderPage; logger: Logger; isPage: (ctx: Context) => boolean }) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.respond !== false && ctx.status === 404 && ctx.body === undefined) ctx.throw(404, 'Not found');
    } catch (error) {
      const normalized = normalizeError(error);
      const log: Logger = ctx.state.log ?? deps.logger;
      if (normalized.status >= 500) log.error({ err: error }, 'request failed');
      for (const [name, value] of Object.entries(normalized.headers ?? {})) ctx.set(name, value);
      ctx.status = normalized.status;
      if (deps.isPage(ctx) && ctx.accepts('html', 'json') === 'html') {
        ctx.type = 'html';
        ctx.body = deps.render('error', {
          message: errorText(normalized),
          code: normalized.code,
          requestId: ctx.state.requestId,
        });
        return;
      }
      ctx.type = 'application/problem+json';
      ctx.body = { ...toProblem(normalized), ...(ctx.state.requestId ? { request_id: ctx.state.requestId } : {}) };
    }
  };
}
