import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { RenderPage } from '../http/views.js';
import { createProviderPages } from './pages.js';

/**
 * Answers a protocol request refused before oidc-provider saw it (see http/storable-text.ts) exactly
 * as oidc-provider answers its own invalid_request (lib/shared/error_handler.js): the error page for a
 * browser, the OAuth error object (RFC 6749 §5.2) for everyone else.
 */
export function createProtocolRefusal(render: RenderPage) {
  const pages = createProviderPages(render);
  return async (ctx: Context, description: string): Promise<void> => {
    const out = { error: 'invalid_request', error_description: description };
    ctx.status = 400;
    ctx.set('Cache-Control', 'no-store');
    if (ctx.accepts('json', 'html') === 'html') await pages.renderError(ctx as unknown as KoaContextWithOIDC, out);
    else ctx.body = out;
  };
}
