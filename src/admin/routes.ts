import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { AppError, notFound } from '../errors/app-error.js';
import { jsonBody } from '../http/json-body.js';
import type { ApiGuard } from '../rbac/api-guard.js';
import type { Middleware } from 'koa';
import { accountRelationRoutes } from './account-relations-routes.js';
import { accountRoutes } from './accounts-routes.js';
import { attributeRoutes } from './attributes-routes.js';
import { clientRoutes } from './clients-routes.js';
import { connectionRoutes } from './connections-routes.js';
import { exchangePolicyRoutes } from './exchange-policy-routes.js';
import type { AdminDeps } from './deps.js';
import { groupRoutes } from './groups-routes.js';
import { objectGrantRoutes } from './object-grants-routes.js';
import { passkeyRoutes } from './passkeys-routes.js';
import { ADMIN_PREFIX, buildOpenApiDocument } from './openapi.js';
import { resourceRoutes } from './resources-routes.js';
import { roleRoutes } from './roles-routes.js';
import { scimRoutes } from './scim-routes.js';
import { keyRoutes } from './keys-routes.js';
import { settingsRoutes } from './settings-routes.js';
import { webhookRoutes } from './webhooks-routes.js';
import { requiredPermission, runRoute, type AdminRoute } from './route-kit.js';

export { ADMIN_PREFIX };

export function adminRoutes(deps: AdminDeps & { issuer?: string }): AdminRoute[] {
  return [...accountRoutes(deps), ...accountRelationRoutes(deps), ...passkeyRoutes(deps), ...clientRoutes(deps), ...exchangePolicyRoutes(deps), ...resourceRoutes(deps), ...roleRoutes(deps), ...groupRoutes(deps), ...objectGrantRoutes(deps), ...connectionRoutes(deps), ...attributeRoutes(deps), ...scimRoutes(deps), ...webhookRoutes(deps), ...keyRoutes(deps), ...settingsRoutes(deps)];
}

const snakeCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** Services name fields in camelCase; the admin API speaks snake_case. */
async function snakeCaseFields(_ctx: Context, next: Next) {
  try {
    await next();
  } catch (error) {
    if (error instanceof AppError && typeof error.details?.field === 'string') {
      const field = snakeCase(error.details.field);
      throw new AppError(error.code, error.status, error.message.replace(error.details.field, field), { details: { ...error.details, field }, cause: error });
    }
    throw error;
  }
}

/**
 * /admin/api/v1: every route authenticates the caller (bearer JWT for the admin API) before anything
 * else, so an unauthenticated or unauthorised caller learns nothing about what exists.
 * /admin/api/openapi.json describes the same routes.
 */
export function createAdminRouter(deps: AdminDeps & { guard: ApiGuard; audience: string; issuer: string; limit?: Middleware }): Router {
  const routes = adminRoutes(deps);
  const router = new Router();
  const authorize = deps.guard.require(deps.audience, (ctx) => requiredPermission(ctx.method));
  for (const definition of routes) {
    // Only operations that take a body read one (and can answer 413 or 415, as their documents say).
    const body = definition.body ? jsonBody() : passThrough;
    router[definition.method](ADMIN_PREFIX + definition.path, authorize, deps.limit ?? passThrough, body, snakeCaseFields, runRoute(definition));
  }
  let document: unknown;
  router.get('/admin/api/openapi.json', (ctx) => {
    document ??= buildOpenApiDocument(routes, { issuer: deps.issuer, audience: deps.audience });
    ctx.body = document;
  });
  return router;
}

const passThrough: Middleware = (_ctx, next) => next();

/** Paths of the server's own APIs that no route matched: a 404 problem, never oidc-provider. */
export function notFoundUnder(prefixes: string[]) {
  return async (ctx: Context, next: Next) => {
    if (prefixes.some((prefix) => ctx.path === prefix || ctx.path.startsWith(`${prefix}/`))) throw notFound();
    return next();
  };
}
