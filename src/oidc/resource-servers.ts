import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import type { ResourceService } from '../rbac/resource-service.js';

/**
 * Describes a registered API (RFC 8707 resource indicator) to oidc-provider: the scopes it accepts
 * and the format of its access tokens, JWT by default (RFC 9068), signed with ACCESS_TOKEN_ALG.
 */
export function createResourceServerInfo(resources: ResourceService, signingAlg: 'ES256' | 'RS256', defaultTtl: number) {
  return async (_ctx: KoaContextWithOIDC, indicator: string): Promise<ResourceServer> => {
    const resource = await resources.findByIdentifier(indicator);
    if (!resource) throw new errors.InvalidTarget();
    return {
      scope: resource.scopes.join(' '),
      audience: resource.identifier,
      accessTokenTTL: resource.access_token_ttl ?? defaultTtl,
      accessTokenFormat: resource.token_format,
      ...(resource.token_format === 'jwt' ? { jwt: { sign: { alg: signingAlg } } } : {}),
    };
  };
}
