import type { Context } from 'koa';
import type { AuditRecorder } from '../audit/recorder.js';
import { requestOriginOf } from '../http/request-context.js';
import type { Refusal } from './service.js';

/** One refused assertion: `passkey.failed`, and `passkey.clone_suspected` too when the counter says so. */
export async function recordPasskeyRefusal(deps: { audit: AuditRecorder }, ctx: Context, refusal: Refusal, stage: 'sign_in' | 'second_factor', clientId?: string) {
  const origin = requestOriginOf(ctx.req);
  const passkeyId = refusal.passkeyId ? { passkeyId: refusal.passkeyId } : {};
  await deps.audit.record({ type: 'passkey.failed', outcome: 'failure', accountId: refusal.accountId, clientId, origin, detail: { stage, reason: refusal.reason, ...passkeyId } });
  if (refusal.reason === 'possible_clone') {
    await deps.audit.record({ type: 'passkey.clone_suspected', outcome: 'failure', accountId: refusal.accountId, clientId, origin, detail: passkeyId });
  }
}
