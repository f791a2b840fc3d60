import type Provider from 'oidc-provider';
import { requestOriginOf } from '../http/request-context.js';

/**
 * oidc-provider is its own Koa app: its `ctx.ip` is computed again from the raw request, and with
 * `proxy = true` (needed for X-Forwarded-Proto and -Host) Koa takes the left end of X-Forwarded-For,
 * which the client writes. Rule: every consumer of the client IP (the token endpoint's limits,
 * oidc-provider's own deviceInfo, events, sessions) sees the one address clientAddress() derived from
 * TRUSTED_PROXIES. Installed before every other provider.use that could read ctx.ip (outages.ts
 * stays outermost; it reads no IP).
 */
export function useDerivedClientIp(provider: Provider): void {
  provider.use(async (ctx, next) => {
    // Without the app in front (no origin recorded) the peer itself is the client: never a header.
    ctx.request.ip = requestOriginOf(ctx.req).ip ?? ctx.req.socket.remoteAddress ?? '';
    await next();
  });
}
