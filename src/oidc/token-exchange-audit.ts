import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEvent } from '../audit/recorder.js';
import { exchangeAuditOf } from './exchange-claims.js';

/**
 * The one audit event of a token exchange, granted or refused: who asked (the actor), for whom (the
 * account), which token was traded (its client and audience, never the token), for which API and
 * scope, the chain of actors, and for a refusal the protocol error and the reason.
 */
export function exchangeEvent(
  ctx: KoaContextWithOIDC,
  actor: AuditEvent['actor'],
  failure: { error?: string; error_detail?: string } | undefined,
): Omit<AuditEvent, 'origin'> {
  const note = exchangeAuditOf(ctx);
  const granted = ctx.status === 200;
  return {
    type: 'token.exchanged',
    ...(granted ? {} : { outcome: 'failure' as const }),
    actor,
    accountId: note.accountId,
    clientId: ctx.oidc.client?.clientId,
    detail: {
      audience: note.audience,
      subjectClientId: note.subjectClientId,
      subjectAudience: note.subjectAudience,
      ...(granted
        ? { scope: note.scope, actorChain: note.actorChain }
        : { error: failure?.error ?? (ctx.body as { error?: string } | undefined)?.error, reason: failure?.error_detail }),
    },
  };
}
