import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { isStorageOutage } from '../errors/storage-outage.js';

const SERVER_ERROR = Symbol('idp.server-error');
type Tracked = KoaContextWithOIDC & { [SERVER_ERROR]?: unknown };

export const RETRY_AFTER_SECONDS = '5';
const BODY = { error: 'temporarily_unavailable', error_description: 'a storage dependency is temporarily unavailable; retry shortly' };

/**
 * The outermost middleware of every provider: whatever path a store outage takes through
 * oidc-provider, the answer is 503 `temporarily_unavailable` with Retry-After, never a 500.
 * - adapters already throw a 503 (adapters/guard.ts); this adds Retry-After;
 * - a store error raised elsewhere (findAccount, claims, the audit write after the endpoint ran)
 *   reaches oidc-provider as a `server_error`: its 500 is turned into a 503 here;
 * - an error thrown by a later `provider.use` middleware (the audit write) is caught here.
 * Call it before any other provider.use.
 */
export function answerOutagesWith503(provider: Provider, onOutage?: (error: unknown) => void): void {
  provider.on('server_error', (ctx: Tracked, error: unknown) => {
    ctx[SERVER_ERROR] = error;
  });
  provider.use(async (ctx: Tracked, next) => {
    try {
      await next();
    } catch (error) {
      if (!isStorageOutage(error)) throw error;
      onOutage?.(error);
      ctx.status = 503;
      ctx.body = { ...BODY };
    }
    if (ctx.status === 500 && isStorageOutage(ctx[SERVER_ERROR])) {
      onOutage?.(ctx[SERVER_ERROR]);
      ctx.status = 503;
      // The HTML error page already says "try again in a moment"; a JSON body gets the OAuth code.
      if (ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)) ctx.body = { ...BODY };
    }
    if (ctx.status === 503) ctx.set('Retry-After', RETRY_AFTER_SECONDS);
  });
}
