import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEvent, AuditRecorder } from '../audit/recorder.js';
import { requestOriginOf } from '../http/request-context.js';
import { revokeGrant } from './revoke-grant.js';

/**
 * The one place where oidc-provider's protocol events become audit events (DESIGN.md, style 12).
 * Listeners only collect; a middleware wrapped around every protocol request writes the collected
 * events after the endpoint ran and before the response leaves, so a response whose event could
 * not be stored is an error, never a success that went unlogged.
 */
const PENDING = Symbol('idp.pending-audit-events');
const GRANT_ERROR = Symbol('idp.grant-error');

type AuditedContext = KoaContextWithOIDC & { [PENDING]?: AuditEvent[]; [GRANT_ERROR]?: { error?: string; error_detail?: string } };

export function auditProviderEvents(provider: Provider, audit: AuditRecorder): void {
  const collect = (ctx: AuditedContext, event: Omit<AuditEvent, 'origin'>) => {
    (ctx[PENDING] ??= []).push({ ...event, origin: requestOriginOf(ctx.req) });
  };

  provider.on('grant.error', (ctx: AuditedContext, error: { error?: string; error_detail?: string }) => {
    ctx[GRANT_ERROR] = error;
  });
  provider.on('grant.revoked', (ctx: AuditedContext, grantId: string) => {
    collect(ctx, { type: 'grant.revoked', clientId: ctx.oidc?.client?.clientId, detail: { grantId } });
  });
  provider.on('end_session.success', (ctx: AuditedContext) => {
    const accountId = ctx.oidc?.session?.accountId;
    collect(ctx, { type: 'logout', accountId, clientId: ctx.oidc?.client?.clientId });
  });

  provider.use(async (ctx: AuditedContext, next) => {
    await next();
    if (ctx.oidc?.route === 'token') await collectTokenOutcome(provider, ctx, collect);
    if (ctx.oidc?.route === 'revocation' && ctx.status === 200) {
      collect(ctx, { type: 'token.revoked', actor: clientActor(ctx), clientId: ctx.oidc.client?.clientId });
    }
    for (const event of ctx[PENDING] ?? []) await audit.record(event);
  });
}

async function collectTokenOutcome(
  provider: Provider,
  ctx: AuditedContext,
  collect: (ctx: AuditedContext, event: Omit<AuditEvent, 'origin'>) => void,
): Promise<void> {
  const grantType = String(ctx.oidc.params?.grant_type ?? '');
  const clientId = ctx.oidc.client?.clientId;
  if (ctx.status === 200) {
    const body = ctx.body as { scope?: string };
    const token = ctx.oidc.entities.AccessToken ?? ctx.oidc.entities.ClientCredentials;
    collect(ctx, {
      type: 'token.issued',
      actor: clientActor(ctx),
      accountId: ctx.oidc.entities.Account?.accountId,
      clientId,
      detail: {
        grantType,
        scope: body?.scope,
        audience: token?.aud,
        ...(ctx.oidc.entities.RotatedRefreshToken ? { refreshTokenRotated: true } : {}),
      },
    });
    return;
  }
  const failure = ctx[GRANT_ERROR];
  const detail = failure?.error_detail ?? '';
  const accountId = ctx.oidc.entities.RefreshToken?.accountId ?? ctx.oidc.entities.AuthorizationCode?.accountId;
  if (detail === 'refresh token already used') {
    collect(ctx, { type: 'token.refresh_reuse_detected', outcome: 'failure', accountId, clientId, detail: { grantType } });
  } else if (detail.endsWith('already consumed')) {
    // Two concurrent redemptions: the adapter refused the loser, and the grant goes like any replay.
    const grantId = ctx.oidc.entities.AuthorizationCode?.grantId;
    if (grantId && detail.startsWith('AuthorizationCode')) await revokeGrant(provider, grantId);
    collect(ctx, { type: 'token.code_replay_detected', outcome: 'failure', accountId, clientId, detail: { grantType } });
  } else {
    collect(ctx, {
      type: 'token.grant_failed',
      outcome: 'failure',
      accountId,
      clientId,
      detail: { grantType, error: failure?.error ?? (ctx.body as { error?: string })?.error, reason: detail || undefined },
    });
  }
}

function clientActor(ctx: KoaContextWithOIDC): AuditEvent['actor'] {
  return ctx.oidc.client ? { type: 'client', id: ctx.oidc.client.clientId } : { type: 'anonymous' };
}
