import type { KoaContextWithOIDC } from 'oidc-provider';
import type { RenderPage } from '../http/views.js';
import { requestIdOf } from '../http/request-context.js';

/**
 * The pages oidc-provider renders itself: logout confirmation, "signed out" and protocol errors.
 * The error page never redirects: it is shown exactly when oidc-provider cannot trust the
 * redirect_uri (unknown client, unregistered URI), so it must not send the browser anywhere.
 */
export function createProviderPages(render: RenderPage) {
  const clientName = (ctx: KoaContextWithOIDC) => ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId;
  return {
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      ctx.type = 'html';
      ctx.body = render('logout', { form, clientName: clientName(ctx) });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      ctx.type = 'html';
      ctx.body = render('signed-out', { clientName: clientName(ctx) });
    },
    async renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) {
      ctx.type = 'html';
      ctx.body = render('error', {
        heading: 'This sign-in request cannot continue',
        message: out.error_description ?? 'The request was not valid.',
        code: out.error,
        requestId: requestIdOf(ctx.req),
      });
    },
  };
}
