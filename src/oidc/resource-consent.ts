import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

/** The consent reason for an API (resource indicator) the account has not allowed this client yet. */
export const RESOURCE_NOT_GRANTED = 'rs_not_granted';

/**
 * What a grant records for an API that was allowed with no permission (scope) on it. oidc-provider
 * drops a grant's resources whose scope is empty, so the grant keeps this mark instead. It holds
 * quotes, which no permission name can (RFC 6749 §3.3 scope tokens, rbac/schemas.ts), so it never
 * matches a requested scope and never reaches a token.
 */
export const AUDIENCE_ONLY = '"audience"';

const MISSING = Symbol('idp.missing-resources');

type Grant = { resources?: Record<string, string> };

/**
 * A consent check: oidc-provider asks consent only for missing scopes, so an API requested with no
 * scope on it (`resource=` alone) got a token without the consent page naming it. Rule: the consent
 * page names every API a token is requested for, even one with no scopes.
 */
export function resourceConsentCheck(): interactionPolicy.Check {
  return new interactionPolicy.Check(
    RESOURCE_NOT_GRANTED,
    'requested API not allowed yet',
    'consent_required',
    (ctx: KoaContextWithOIDC) => {
      const grant = ctx.oidc.grant as unknown as Grant | undefined;
      const missing = Object.keys(ctx.oidc.resourceServers ?? {}).filter((indicator) => !grant?.resources?.[indicator]);
      (ctx.oidc as unknown as Record<symbol, string[]>)[MISSING] = missing;
      return missing.length ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    },
    (ctx: KoaContextWithOIDC) => ({ missingResources: (ctx.oidc as unknown as Record<symbol, string[]>)[MISSING] }),
  );
}

/** The scopes a grant holds for an API, without the mark of an API allowed with none. */
export const grantedResourceScope = (granted: string) => granted.split(' ').filter((scope) => scope && scope !== AUDIENCE_ONLY).join(' ');
