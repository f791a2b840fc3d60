import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ResourceService } from '../rbac/resource-service.js';

interface IntrospectedToken {
  clientId?: string;
  aud?: string | string[];
}

/**
 * oidc-provider's features.introspection.allowedPolicy. Rule (RFC 7662 §2.1 and §4): the caller must
 * authenticate (a public client cannot), and may learn about a token only when it was issued to it,
 * or when it is registered as the resource server of the token's audience (the API's
 * resource_server_client_ids). Anyone else gets `{ "active": false }`, as for an unknown token, so
 * introspection does not tell a stranger that a token exists.
 */
export function createIntrospectionPolicy(resources: Pick<ResourceService, 'findByIdentifier'>) {
  return async (_ctx: KoaContextWithOIDC, client: { clientId: string; clientAuthMethod?: string }, token: unknown): Promise<boolean> => {
    if (client.clientAuthMethod === 'none') return false;
    const { clientId, aud } = token as IntrospectedToken;
    if (clientId === client.clientId) return true;
    for (const audience of [aud ?? []].flat()) {
      const resource = await resources.findByIdentifier(audience);
      if (resource?.resource_server_client_ids?.includes(client.clientId)) return true;
    }
    return false;
  };
}
