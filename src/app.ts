import type Router from '@koa/router';
import Koa from 'koa';
import type { Context } from 'koa';
import type { Container } from './container.js';
import { clientAddress } from './http/client-address.js';
import { errorHandler } from './http/error-handler.js';
import { createHealthRouter } from './http/health-routes.js';
import { requestContext } from './http/request-id.js';
import { requestLocale } from './i18n/request-locale.js';
import { createLanguageRouter } from './i18n/language-routes.js';
import { securityHeaders } from './http/security-headers.js';
import { firstSegmentOf, mountRouter, routeParameterAt } from './http/mount-router.js';
import { protocolRequest, refuseUnstorableText, unstorableMessage } from './http/storable-text.js';
import { isScimPath, refuseScim } from './scim/errors.js';
import { createProtocolRefusal } from './oidc/refusals.js';
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
import { createAdminConsole, isConsolePage } from './console/index.js';

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
  const isPage = (ctx: Context) => PAGE_PREFIXES.some((prefix) => ctx.path.startsWith(prefix)) || isConsolePage(ctx.path);
  // The product logo's and favicon's origins are the only other places images may come from.
  const imageOrigins = [...new Set([config.product.logoUrl, config.product.faviconUrl].filter((url): url is string => Boolean(url)).map((url) => new URL(url).origin))];

  app.use(clientAddress(config.trustedProxies));
  app.use(requestContext(container.logger));
  // The language hints (cookie, Accept-Language) of every request, before any page can be rendered.
  app.use(requestLocale());
  app.use(metricsMiddleware(container.metrics));
  app.use(securityHeaders({ imageOrigins, https: config.secureCookies }));
  app.use(errorHandler({ render: container.render, logger: container.logger, isPage }));
  // Text PostgreSQL cannot store (NUL, lone surrogates) is refused here for every route, before any
  // router or oidc-provider sees it, in the format of what was asked: SCIM clients get a SCIM error body,
  // and paths no router of ours serves are oidc-provider's.
  const ourSegments = new Set<string>(['admin', 'api']);
  const isProtocol = (ctx: Context) => !ourSegments.has(firstSegmentOf(ctx));
  const refuseProtocol = createProtocolRefusal(container.render);
  const routers = appRouters(container, options);
  const nameSegment = (ctx: Context, index: number) => routeParameterAt(routers, ctx.method, ctx.path, index);
  const isScim = (ctx: Context) => isScimPath(ctx.path);
  app.use(
    refuseUnstorableText({
      refusals: [
        { matches: isScim, refuse: refuseScim },
        { matches: isProtocol, refuse: (ctx, field) => refuseProtocol(ctx, unstorableMessage(field)) },
      ],
      nameSegment,
    }),
  );

  for (const router of routers) {
    for (const segment of mountRouter(app, router) ?? []) ourSegments.add(segment);
  }
  app.use(notFoundUnder(['/admin/api', '/api/authz']));

  // Everything else is the OpenID Connect protocol, served by oidc-provider.
  // Its bodies are checked for unstorable text on the way in (it parses them itself).
  app.use(async (ctx) => {
    const checked = await protocolRequest(ctx);
    if ('refusal' in checked) return refuseProtocol(ctx, checked.refusal);
    ctx.respond = false;
    await container.providers.handle(checked.req, ctx.res);
  });

  app.on('error', (error: Error) => container.logger.debug({ err: error }, 'koa error event'));
  return app;
}

/** Every router of the application, in mount order (tests enumerate their routes from here). */
export function appRouters(container: Container, options: AppOptions = {}): Router[] {
  const { config } = container;
  const accountPages = createAccountPages(container);
  // GET /admin/api/v1/events: the audit log, for callers holding admin:read on the admin API.
  const readAuditLog = container.apiGuard.require(container.systemApis.admin.identifier, () => 'admin:read');
  const limitAuditReads = createApiLimit(container.limiterFactory, config.rateLimits, 'admin-events');
  return [
    createHealthRouter({ accepting: options.accepting ?? (() => true), dependencies: container.probe }),
    createAssetRouter({ brandStylesheet: container.brandStylesheet, themeStylesheet: container.theme?.stylesheet }),
    createLanguageRouter({ i18n: container.i18n, secureCookies: config.secureCookies }),
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
      issuer: config.issuer,
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
    // The admin console (/admin): pages over the admin API, after it so /admin/api is the API's.
    createAdminConsole(container),
    ...accountPages.routers,
    createEventRouter({
      events: container.events,
      prefix: ADMIN_PREFIX,
      guard: (ctx, next) => readAuditLog(ctx, () => limitAuditReads(ctx, next)),
    }),
    container.scim.router({
      apiGuard: container.apiGuard,
      audience: container.systemApis.scim.identifier,
      limit: createApiLimit(container.limiterFactory, config.rateLimits, 'scim'),
    }),
  ];
}
