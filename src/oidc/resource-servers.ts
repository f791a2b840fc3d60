import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import type { AccessService } from '../rbac/access-service.js';
import type { ResourceService } from '../rbac/resource-service.js';
import { resourceScopeFor } from './rbac-tokens.js';

/** What describes a registered API to oidc-provider, besides the scope. */
export interface DescribedResource {
  identifier: string;
  access_token_ttl: number | null;
  token_format: 'jwt' | 'opaque';
}

/** An API's resource server information with a given scope: audience, lifetime and token format (RFC 9068 JWT or opaque). */
export function describeResourceServer(resource: DescribedResource, scope: string, signingAlg: 'ES256' | 'RS256', defaultTtl: number): ResourceServer {
  return {
    scope,
    audience: resource.identifier,
    accessTokenTTL: resource.access_token_ttl ?? defaultTtl,
    accessTokenFormat: resource.token_format,
    ...(resource.token_format === 'jwt' ? { jwt: { sign: { alg: signingAlg } } } : {}),
  };
}

/**
 * Describes a registered API (RFC 8707 resource indicator) to oidc-provider: the scopes it accepts
 * (its permissions; at the token endpoint only those the subject holds, see rbac-tokens.ts) and the
 * format of its access tokens, JWT by default (RFC 9068), signed with ACCESS_TOKEN_ALG.
 */
export function createResourceServerInfo(
  deps: { resources: ResourceService; access: AccessService },
  signingAlg: 'ES256' | 'RS256',
  defaultTtl: number,
) {
  return async (ctx: KoaContextWithOIDC, indicator: string): Promise<ResourceServer> => {
    const resource = await deps.resources.findByIdentifier(indicator);
    if (!resource) throw new errors.InvalidTarget();
    return describeResourceServer(resource, await resourceScopeFor(ctx, resource, deps.access), signingAlg, defaultTtl);
  };
}
