import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditRecorder } from '../audit/recorder.js';
import type { RenderPage } from '../http/views.js';
import { requestIdOf, requestOriginOf } from '../http/request-context.js';
import { deviceOutcomeOf } from './device-flow.js';

/**
 * Around oidc-provider's device pages (RFC 8628):
 *
 * - A person's answer to a device becomes an audit event: approved when the device may now redeem
 *   its device code, denied when it will get access_denied. Written after the page is rendered and
 *   before it leaves; a decision that could not be recorded is answered with a 503 instead.
 * - oidc-provider fails with a TypeError ("persist can only be called on previously persisted
 *   Sessions") when the code form is posted, or the return from sign-in (/device/:uid) arrives,
 *   without a live session: its error page touches the new session, which it then cannot save. Such
 *   a request is a forged post or a stale link (the CSRF sweep found it), so it gets a 400 page
 *   instead of a 500.
 */
export function installDevicePageGuards(provider: Provider, deps: { audit: AuditRecorder; render: RenderPage }): void {
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    try {
      await next();
    } catch (error) {
      const route = ctx.oidc?.route;
      if (!(error instanceof TypeError) || (route !== 'device_resume' && route !== 'code_verification') || !error.message.startsWith('persist can only be called')) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = deps.render('error', {
        heading: 'devicePage.thisPageHasExpired',
        message: 'devicePage.thisFormHasExpiredOr',
        code: 'invalid_request',
        requestId: requestIdOf(ctx.req),
      });
      return;
    }
    const outcome = deviceOutcomeOf(ctx);
    if (!outcome || outcome.kind === 'wrong_code') return;
    try {
      await deps.audit.record(
        outcome.kind === 'approved'
          ? { type: 'device_authorization.approved', accountId: outcome.accountId, clientId: outcome.clientId, origin: requestOriginOf(ctx.req), detail: { scope: outcome.scope } }
          : { type: 'device_authorization.denied', outcome: 'failure', accountId: outcome.accountId, clientId: outcome.clientId, origin: requestOriginOf(ctx.req), detail: { stage: outcome.stage } },
      );
    } catch (error) {
      provider.emit('server_error', ctx, error);
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.type = 'text/plain';
      ctx.body = 'The service is temporarily unavailable; try again shortly.';
    }
  });
}
