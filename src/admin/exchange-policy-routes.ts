import { z } from 'zod';
import { permissionNameSchema, resourceIdentifierSchema } from '../rbac/schemas.js';
import type { AdminDeps } from './deps.js';
import { route, type AdminRoute } from './route-kit.js';

const targetSchema = z
  .strictObject({
    resource: resourceIdentifierSchema.meta({ description: 'The API (resource identifier) the client may exchange tokens for; never one of the server\'s own APIs' }),
    scopes: z.array(permissionNameSchema).max(100).optional()
      .meta({ description: 'Only these of its permissions; omitted: any permission the subject token carries (always at most that, and at most what the person holds)' }),
  })
  .meta({ id: 'TokenExchangeTarget' });

const policySchema = z
  .object({
    client_id: z.string(),
    targets: z.array(targetSchema),
  })
  .meta({ id: 'TokenExchangePolicy', description: 'RFC 8693 token exchange: which APIs this confidential client may exchange people\'s access tokens for (docs/integrating.md)' });

const setPolicySchema = z.strictObject({
  targets: z.array(targetSchema).max(100).meta({ description: 'The whole policy; an empty list removes it (the client may then not exchange at all)' }),
});

/** /clients/{id}/token-exchange: the client's RFC 8693 exchange policy (src/clients/exchange-policy.ts). */
export function exchangePolicyRoutes(deps: AdminDeps): AdminRoute[] {
  const { exchangePolicies } = deps;
  const present = (clientId: string, targets: Awaited<ReturnType<typeof exchangePolicies.policyOf>>) => ({ client_id: clientId, targets });
  return [
    route({
      method: 'get', path: '/clients/:clientId/token-exchange', tag: 'clients', summary: "Get a client's token exchange policy", response: policySchema,
      handler: async ({ params }) => present(params.clientId, await exchangePolicies.policyOf(params.clientId)),
    }),
    route({
      method: 'put', path: '/clients/:clientId/token-exchange', tag: 'clients', summary: "Replace a client's token exchange policy (confidential clients only)",
      body: setPolicySchema, response: policySchema,
      handler: async ({ params, body, actor }) => present(params.clientId, await exchangePolicies.setPolicy(params.clientId, body.targets, actor)),
    }),
    route({
      method: 'delete', path: '/clients/:clientId/token-exchange', tag: 'clients', summary: "Remove a client's token exchange policy", status: 204,
      handler: async ({ params, actor }) => {
        await exchangePolicies.setPolicy(params.clientId, [], actor);
      },
    }),
  ];
}
