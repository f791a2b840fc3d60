import Koa from 'koa';
import type { Context } from 'koa';
import type { Container } from './container.js';
import { clientAddress } from './http/client-address.js';
import { errorHandler } from './http/error-handler.js';
import { createHealthRouter } from './http/health-routes.js';
import { requestContext } from './http/request-id.js';
import { securityHeaders } from './http/security-headers.js';
import { mountRouter } from './http/mount-router.js';
import { createAssetRouter } from './http/static-assets.js';
import { interactionDepsOf } from './interactions/deps.js';
import { createInteractionRouter } from './interactions/routes.js';
import { ADMIN_PREFIX } from './admin/openapi.js';
import { createAdminRouter, notFoundUnder } from './admin/routes.js';
import { createEventRouter } from './audit/routes.js';
import { metricsMiddleware } from './metrics/http.js';
import { createApiLimit } from './ratelimit/api-limit.js';
import { createDenialAudit } from './rbac/check-denials.js';
import { createCheckRouter } from './rbac/check-routes.js';
import { createAccountPages } from './accounts/routes/index.js';
import { federationRouters } from './federation/index.js';

export interface AppOptions {
  /** Whether this instance still takes traffic; turns false when shutdown starts. */
  accepting?: () => boolean;
}

const PAGE_PREFIXES = ['/interaction', '/account'];

/** Builds the HTTP application: middleware order and mounts, no listen(). */
export function buildApp(container: Container, options: AppOptions = {}): Koa {
  const { config } = container;
  // proxy: true is safe because clientAddress() strips forwarded headers from untrusted peers.
  const app = new Koa({ proxy: true, keys: [container.cookieKey] });
  const isPage = (ctx: Context) => PAGE_PREFIXES.some((prefix) => ctx.path.startsWith(prefix));
  const logoOrigin = config.product.logoUrl ? new URL(config.product.logoUrl).origin : undefined;
  const accountPages = createAccountPages(container);

  app.use(clientAddress(config.trustedProxies));
  app.use(requestContext(container.logger));
  app.use(metricsMiddleware(container.metrics));
  app.use(securityHeaders({ logoOrigin, https: config.secureCookies }));
  app.use(errorHandler({ render: container.render, logger: container.logger, isPage }));

  for (const router of [
    createHealthRouter({ accepting: options.accepting ?? (() => true), dependencies: container.probe }),
    createAssetRouter(),
    createInteractionRouter({
      ...interactionDepsOf(container),
      accountPages: accountPages.interaction,
      federation: container.federation.login,
    }),
    ...federationRouters(container, accountPages.auth),
    createCheckRouter({
      access: container.access,
      guard: container.apiGuard,
      audience: container.systemApis.authz.identifier,
      limit: createApiLimit(container.limiterFactory, config.rateLimits, 'check'),
      recordDenials: config.audit.permissionDenials ? createDenialAudit(container.audit) : undefined,
    }),
    createAdminRouter({
      ...container,
      provider: () => container.providers.current(),
      guard: container.apiGuard,
      audience: container.systemApis.admin.identifier,
      issuer: config.issuer,
      limit: createApiLimit(container.limiterFactory, config.rateLimits, 'admin'),
    }),
    ...accountPages.routers,
    container.scim.router({
      apiGuard: container.apiGuard,
      audience: container.systemApis.scim.identifier,
      limit: createApiLimit(container.limiterFactory, config.rateLimits, 'scim'),
    }),
  ]) {
    mountRouter(app, router);
  }
  // GET /admin/api/v1/events: the audit log, for callers holding admin:read on the admin API.
  const readAuditLog = container.apiGuard.require(container.systemApis.admin.identifier, () => 'admin:read');
  const limitAuditReads = createApiLimit(container.limiterFactory, config.rateLimits, 'admin-events');
  const events = createEventRouter({
    events: container.events,
    prefix: ADMIN_PREFIX,
    guard: (ctx, next) => readAuditLog(ctx, () => limitAuditReads(ctx, next)),
  });
  mountRouter(app, events);
  app.use(notFoundUnder(['/admin/api', '/api/authz']));

  // Everything else is the OpenID Connect protocol, served by oidc-provider.
  app.use(async (ctx) => {
    ctx.respond = false;
    await container.providers.handle(ctx.req, ctx.res);
  });

  app.on('error', (error: Error) => container.logger.debug({ err: error }, 'koa error event'));
  return app;
}
