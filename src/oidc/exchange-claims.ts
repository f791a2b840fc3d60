import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * What a token exchange (token-exchange.ts) adds to the token it issues, and what its audit event
 * says. Kept per request, apart from the grant handler, because oidc-provider builds a token's extra
 * claims in one place (extraTokenClaims, rbac-tokens.ts) and audits the token endpoint in another
 * (events.ts).
 */

/** RFC 8693 §4.1: who acts; nested when the subject token already named an actor. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

export interface ExchangeClaims {
  act: ActorClaim;
  /**
   * The client the person consented to, whose grant the exchanged token hangs off: a later exchange
   * of this token checks that grant still exists (a revoked app ends the whole chain).
   */
  origin_client_id: string;
}

export interface ExchangeAudit {
  accountId?: string;
  subjectClientId?: string;
  subjectAudience?: string | string[];
  audience?: string;
  scope?: string;
  actorChain?: string[];
  reason?: string;
}

const claims = new WeakMap<object, ExchangeClaims>();
const audits = new WeakMap<object, ExchangeAudit>();

export const setExchangeClaims = (ctx: KoaContextWithOIDC, value: ExchangeClaims) => claims.set(ctx, value);
export const exchangeClaimsOf = (ctx: KoaContextWithOIDC | undefined): ExchangeClaims | undefined => (ctx ? claims.get(ctx) : undefined);

/** Adds to what the audit event of this exchange will say. */
export const noteExchange = (ctx: KoaContextWithOIDC, note: ExchangeAudit) => audits.set(ctx, { ...audits.get(ctx), ...note });
export const exchangeAuditOf = (ctx: KoaContextWithOIDC): ExchangeAudit => audits.get(ctx) ?? {};

/** The actors of a chain, outermost (the latest caller) first. */
export function actorChain(act: ActorClaim | undefined): string[] {
  const chain: string[] = [];
  for (let current = act; current && chain.length < 16; current = current.act) chain.push(current.sub);
  return chain;
}
