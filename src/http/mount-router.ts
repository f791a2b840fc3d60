import type Router from '@koa/router';
import type Koa from 'koa';
import type { Middleware } from 'koa';

/**
 * Mounts a router so that it only looks at requests under the first path segments its routes use
 * (/account, /admin, /interaction…). Everything else is oidc-provider's, and a token request would
 * otherwise be matched against every route of every router first (the admin router alone has
 * dozens), twice, on the hottest path of the server.
 */
export function mountRouter(app: Koa, router: Router): void {
  const segments = servedSegments(router);
  const onlyServed = (middleware: Middleware): Middleware =>
    segments ? (ctx, next) => (segments.has(firstSegment(ctx.path)) ? middleware(ctx, next) : next()) : middleware;
  app.use(onlyServed(router.routes() as Middleware));
  app.use(onlyServed(router.allowedMethods() as Middleware));
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

function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
}
