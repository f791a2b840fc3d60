import type { Context, Next } from 'koa';
import type { Logger } from '../shared/logger.js';
import { newUuid } from '../shared/ids.js';
import { setRequestOrigin } from './request-context.js';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (a well-formed X-Request-Id from a proxy is kept), a child logger that
 * stamps it on every line, and one access-log line when the response is done. Only method, path,
 * status and timing are logged: never query strings, bodies or headers, where credentials travel.
 */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = ACCEPTABLE_ID.test(incoming) ? incoming : newUuid();
    ctx.state.requestId = requestId;
    // Made on first use: most requests log only their access line, which needs no child logger.
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => (child ??= logger.child({ requestId })),
      set: (replacement: Logger) => void (child = replacement),
      configurable: true,
      enumerable: true,
    });
    ctx.set('X-Request-Id', requestId);
    setRequestOrigin(ctx.req, { requestId, ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined });
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.res.once('finish', () => {
        logger.info(
          { requestId, method: ctx.method, path: ctx.path, status: ctx.res.statusCode, ms: Math.round(performance.now() - started) },
          'request',
        );
      });
    }
  };
}
