import type { KoaContextWithOIDC } from 'oidc-provider';
import type { RenderPage } from '../http/views.js';
import { requestIdOf } from '../http/request-context.js';

/** OAuth error codes (RFC 6749 §4.1.2.1) that mean the server failed, not the application. */
const OUR_FAULT = new Set(['server_error', 'temporarily_unavailable']);

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
      // error_description is written for the app's developers (for example "redirect_uri did not
      // match…"), so the person reads what to do, and the description is kept as the detail.
      const signingOut = ctx.oidc?.route?.startsWith('end_session');
      ctx.type = 'html';
      ctx.body = render('error', {
        heading: signingOut ? 'providerPage.signOutCannotContinue' : 'providerPage.signInCannotContinue',
        message: OUR_FAULT.has(out.error)
          ? 'providerPage.ourFault'
          : 'providerPage.badRequest',
        detail: out.error_description,
        code: out.error,
        requestId: requestIdOf(ctx.req),
      });
    },
  };
}
