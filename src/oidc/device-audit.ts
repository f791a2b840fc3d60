import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditRecorder } from '../audit/recorder.js';
import { requestOriginOf } from '../http/request-context.js';
import { deviceOutcomeOf } from './device-flow.js';

/**
 * A person's answer to a device (RFC 8628) becomes an audit event: approved when the device may now
 * redeem its device code, denied when it will get access_denied. Written after the page is rendered
 * and before it leaves; a decision that could not be recorded is answered with a 503 instead.
 */
export function auditDeviceDecisions(provider: Provider, audit: AuditRecorder): void {
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    const outcome = deviceOutcomeOf(ctx);
    if (!outcome || outcome.kind === 'wrong_code') return;
    try {
      await audit.record(
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
