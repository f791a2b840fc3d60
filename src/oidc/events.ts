import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEvent, AuditRecorder } from '../audit/recorder.js';
import { requestOriginOf } from '../http/request-context.js';
import { revokeGrant } from './revoke-grant.js';
import { exchangeEvent } from './token-exchange-audit.js';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange.js';

/**
 * The one place where oidc-provider's protocol events become audit events (DESIGN.md, style 12).
 * Listeners only collect; a middleware wrapped around every protocol request writes the collected
 * events after the endpoint ran and before the response leaves, so a response whose event could
 * not be stored is replaced by a 503, never sent as a success that went unlogged.
 *
 * Each request writes one event. Grants that oidc-provider revokes along the way (refresh-token reuse,
 * code replay, revocation, logout) are listed in that event's `detail.grantsRevoked` rather than
 * written as events of their own.
 */
const PENDING = Symbol('idp.pending-audit-events');
const GRANT_ERROR = Symbol('idp.grant-error');
const REVOKED_GRANTS = Symbol('idp.revoked-grants');

type AuditedContext = KoaContextWithOIDC & {
  [PENDING]?: AuditEvent[];
  [GRANT_ERROR]?: { error?: string; error_detail?: string };
  [REVOKED_GRANTS]?: string[];
};
type Collect = (ctx: AuditedContext, event: Omit<AuditEvent, 'origin'>) => void;

export function auditProviderEvents(provider: Provider, audit: AuditRecorder): void {
  const collect: Collect = (ctx, event) => {
    (ctx[PENDING] ??= []).push({ ...event, origin: requestOriginOf(ctx.req) });
  };

  provider.on('grant.error', (ctx: AuditedContext, error: { error?: string; error_detail?: string }) => {
    ctx[GRANT_ERROR] = error;
  });
  provider.on('grant.revoked', (ctx: AuditedContext, grantId: string) => {
    (ctx[REVOKED_GRANTS] ??= []).push(grantId);
  });
  provider.on('end_session.success', (ctx: AuditedContext) => {
    const accountId = ctx.oidc?.session?.accountId;
    collect(ctx, { type: 'logout', accountId, clientId: ctx.oidc?.client?.clientId });
  });

  provider.use(async (ctx: AuditedContext, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'token') await collectTokenOutcome(provider, ctx, collect);
    if (route === 'revocation' && ctx.status === 200) collectRevocation(ctx, collect);
    const events = foldRevokedGrants(ctx, ctx[PENDING] ?? []);
    try {
      const writes = events.map((event) => audit.record(event));
      if (route === 'introspection' && ctx.status === 200 && ctx.oidc.client) {
        const clientId = ctx.oidc.client.clientId;
        writes.push(audit.recordSampled(`introspection:${clientId}`, {
          type: 'token.introspected',
          actor: clientActor(ctx),
          clientId,
          origin: requestOriginOf(ctx.req),
          detail: { active: (ctx.body as { active?: unknown } | undefined)?.active === true },
        }));
      }
      await Promise.all(writes);
    } catch (error) {
      provider.emit('server_error', ctx, error);
      respondUnavailable(ctx);
    }
  });
}

/** Replaces whatever the endpoint produced (tokens, a redirect) with a 503 that carries nothing. */
function respondUnavailable(ctx: AuditedContext): void {
  ctx.remove('Location');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Retry-After', '5');
  ctx.status = 503;
  const description = 'The service is temporarily unavailable; try again shortly.';
  if (ctx.accepts('json', 'html') === 'html') {
    ctx.type = 'text/plain';
    ctx.body = description;
  } else {
    ctx.type = 'application/json';
    ctx.body = { error: 'temporarily_unavailable', error_description: description };
  }
}

function foldRevokedGrants(ctx: AuditedContext, events: AuditEvent[]): AuditEvent[] {
  const grants = [...new Set(ctx[REVOKED_GRANTS] ?? [])];
  if (grants.length === 0) return events;
  if (events.length === 0) {
    return grants.map((grantId) => ({ type: 'grant.revoked', clientId: ctx.oidc?.client?.clientId, origin: requestOriginOf(ctx.req), detail: { grantId } }));
  }
  const [first, ...rest] = events;
  return [{ ...first, detail: { ...first.detail, grantsRevoked: grants } }, ...rest];
}

/** RFC 7009 answers 200 whether or not anything was revoked; the event says which it was. */
function collectRevocation(ctx: AuditedContext, collect: Collect): void {
  const { entities, client } = ctx.oidc;
  const token = entities.RefreshToken ?? entities.AccessToken ?? entities.ClientCredentials;
  const base = { type: 'token.revoked' as const, actor: clientActor(ctx), clientId: client?.clientId };
  const hint = typeof ctx.oidc.params?.token_type_hint === 'string' ? ctx.oidc.params.token_type_hint.slice(0, 32) : undefined;
  if (!token) {
    collect(ctx, { ...base, outcome: 'failure', detail: { reason: 'unknown_token', tokenTypeHint: hint } });
  } else if (token.clientId !== client?.clientId) {
    collect(ctx, { ...base, outcome: 'failure', detail: { reason: 'not_owner', tokenType: token.kind, tokenClientId: token.clientId } });
  } else {
    collect(ctx, { ...base, accountId: (token as { accountId?: string }).accountId, detail: { tokenType: token.kind } });
  }
}

/**
 * oidc-provider's error_detail when ReplayDetection refuses a jti seen before (replay-detection.ts):
 * a private_key_jwt client assertion (RFC 7523 §3) or a DPoP proof (RFC 9449 §11.1) sent twice.
 */
const REPLAYED_PROOFS: Record<string, 'client_assertion' | 'dpop_proof'> = {
  'client assertion tokens must only be used once': 'client_assertion',
  'DPoP proof JWT Replay detected': 'dpop_proof',
};

async function collectTokenOutcome(provider: Provider, ctx: AuditedContext, collect: Collect): Promise<void> {
  const grantType = String(ctx.oidc.params?.grant_type ?? '').slice(0, 128);
  const clientId = ctx.oidc.client?.clientId;
  if (grantType === TOKEN_EXCHANGE_GRANT) {
    collect(ctx, exchangeEvent(ctx, clientActor(ctx), ctx[GRANT_ERROR]));
    return;
  }
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
  // RFC 8628 §3.5: a device polling for a code not yet approved is waiting, not failing.
  if (['authorization_pending', 'slow_down'].includes((ctx.body as { error?: string } | undefined)?.error ?? '')) return;
  const failure = ctx[GRANT_ERROR];
  const detail = failure?.error_detail ?? '';
  const accountId = ctx.oidc.entities.RefreshToken?.accountId ?? ctx.oidc.entities.AuthorizationCode?.accountId ?? ctx.oidc.entities.DeviceCode?.accountId;
  if (detail === 'refresh token already used') {
    collect(ctx, { type: 'token.refresh_reuse_detected', outcome: 'failure', actor: clientActor(ctx), accountId, clientId, detail: { grantType } });
  } else if (REPLAYED_PROOFS[detail]) {
    collect(ctx, { type: 'token.proof_replay_detected', outcome: 'failure', actor: clientActor(ctx), accountId, clientId, detail: { grantType, proof: REPLAYED_PROOFS[detail] } });
  } else if (detail.endsWith('already consumed')) {
    // Two concurrent redemptions: the adapter refused the loser, and the grant goes like any replay.
    const grantId = (ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.DeviceCode)?.grantId;
    if (grantId && (detail.startsWith('AuthorizationCode') || detail.startsWith('DeviceCode'))) {
      await revokeGrant(provider, grantId);
      (ctx[REVOKED_GRANTS] ??= []).push(grantId);
    }
    collect(ctx, { type: 'token.code_replay_detected', outcome: 'failure', actor: clientActor(ctx), accountId, clientId, detail: { grantType } });
  } else {
    collect(ctx, {
      type: 'token.grant_failed',
      outcome: 'failure',
      actor: clientActor(ctx),
      accountId,
      clientId,
      detail: { grantType, error: failure?.error ?? (ctx.body as { error?: string })?.error, reason: detail || undefined },
    });
  }
}

function clientActor(ctx: KoaContextWithOIDC): AuditEvent['actor'] {
  return ctx.oidc.client ? { type: 'client', id: ctx.oidc.client.clientId } : { type: 'anonymous' };
}
