import type { Context, Next } from 'koa';
import type { Metrics } from './registry.js';

/** oidc-provider's fixed endpoints (its default `routes`), matched by prefix for the route label. */
const PROTOCOL_ROUTES = [
  '/.well-known/openid-configuration',
  '/token/introspection',
  '/token/revocation',
  '/token',
  '/session/end/confirm',
  '/session/end/success',
  '/session/end',
  '/auth',
  '/jwks',
  '/me',
  '/request',
];

/**
 * Counts every request and its latency under a route pattern: the router's own pattern for our
 * routes, the endpoint for oidc-provider's, and `unmatched` for the rest, so a scanner's random
 * paths cannot blow up the number of series.
 */
export function metricsMiddleware(metrics: Metrics) {
  return async (ctx: Context, next: Next) => {
    const stop = metrics.httpDuration.startTimer();
    const record = () => {
      const route = routeOf(ctx);
      const status = ctx.res.statusCode;
      stop({ route, method: ctx.method });
      metrics.httpRequests.inc({ route, method: ctx.method, status: String(status) });
      if (status === 429) metrics.rateLimited.inc({ route });
    };
    try {
      await next();
    } finally {
      // oidc-provider writes its own responses (ctx.respond = false): count when the response ends.
      if (ctx.res.writableFinished) record();
      else ctx.res.once('close', record);
    }
  };
}

function routeOf(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  if (typeof matched === 'string') return matched;
  const path = ctx.path;
  const endpoint = PROTOCOL_ROUTES.find((route) => path === route || path.startsWith(`${route}/`));
  return endpoint ?? 'unmatched';
}
