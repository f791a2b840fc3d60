import type Router from '@koa/router';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';

/**
 * Mounts a router so that it only looks at requests under the first path segments its routes use
 * (/account, /admin, /interaction…). Everything else is oidc-provider's, and a token request would
 * otherwise be matched against every route of every router first (the admin router alone has
 * dozens), twice, on the hottest path of the server. Returns those segments (undefined: any path).
 */
export function mountRouter(app: Koa, router: Router): Set<string> | undefined {
  const segments = servedSegments(router);
  const onlyServed = (middleware: Middleware): Middleware =>
    segments ? (ctx, next) => (segments.has(firstSegmentOf(ctx)) ? middleware(ctx, next) : next()) : middleware;
  app.use(onlyServed(router.routes() as Middleware));
  app.use(onlyServed(router.allowedMethods() as Middleware));
  return segments;
}

/** The lower-cased first segments of the router's paths, or undefined when a path starts with a parameter or a pattern. */
function servedSegments(router: Router): Set<string> | undefined {
  const segments = new Set<string>();
  for (const layer of router.stack) {
    const literal = typeof layer.path === 'string' ? /^\/([A-Za-z0-9._~-]+)(?:\/|$)/.exec(layer.path) : null;
    if (!literal) return undefined;
    segments.add(literal[1].toLowerCase());
  }
  return segments;
}

const FIRST_SEGMENT = Symbol('idp.first-segment');

/**
 * The request's first path segment, worked out once per request: every mounted router asks, twice
 * (routes and allowed methods), and a protocol request passes all of them.
 */
export function firstSegmentOf(ctx: Context): string {
  const memo = ctx as Context & { [FIRST_SEGMENT]?: { url: string; segment: string } };
  const url = ctx.req.url ?? '';
  const known = memo[FIRST_SEGMENT];
  if (known?.url === url) return known.segment; // keyed on the URL, in case a middleware rewrote it
  const segment = firstSegment(ctx.path);
  memo[FIRST_SEGMENT] = { url, segment };
  return segment;
}

export function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
}

/** The name of the route parameter at `index` of the path (split on '/') in the first route of `routers` that matches it. */
export function routeParameterAt(routers: Router[], method: string, path: string, index: number): string | undefined {
  for (const router of routers) {
    for (const layer of router.match(path, method).pathAndMethod) {
      const part = String(layer.path).split('/')[index];
      if (part?.startsWith(':')) return part.slice(1).replace(/[^\w].*$/, '');
    }
  }
  return undefined;
}
