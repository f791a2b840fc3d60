import { callbackUrl } from '../federation/connection-service.js';
import type { ConnectionRow } from '../federation/queries.js';
import { clientConnectionsSchema, connectionSchema, createConnectionSchema, setClientConnectionsSchema, updateConnectionSchema } from '../federation/schemas.js';
import type { AdminDeps } from './deps.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';

/** A connection as the admin API shows it: never its secret, always the callback URL to register upstream. */
export function presentConnection(connection: ConnectionRow, issuer: string) {
  const { client_secret_sealed: sealed, ...rest } = connection;
  return { ...rest, has_client_secret: Boolean(sealed), redirect_uri: callbackUrl(issuer, connection.slug) };
}

export function connectionRoutes(deps: AdminDeps & { issuer?: string }): AdminRoute[] {
  const { connections } = deps;
  const present = (connection: ConnectionRow) => presentConnection(connection, deps.issuer ?? '');
  return [
    route({
      method: 'get', path: '/connections', tag: 'connections', summary: 'List upstream identity providers', query: pageQuery, response: pageSchema(connectionSchema),
      handler: async ({ query }) => pageOf(await connections.listConnectionsPage(query), present),
    }),
    route({
      method: 'post', path: '/connections', tag: 'connections', status: 201, response: connectionSchema, body: createConnectionSchema,
      summary: 'Add an upstream identity provider (OIDC by issuer, OAuth 2.0 by endpoints, or a preset: google, github)',
      handler: async ({ body, actor }) => present(await connections.createConnection(body, actor)),
    }),
    route({
      method: 'get', path: '/connections/:connectionId', tag: 'connections', summary: 'Get an upstream identity provider', response: connectionSchema,
      handler: async ({ params }) => present(await connections.requireConnection(params.connectionId)),
    }),
    route({
      method: 'patch', path: '/connections/:connectionId', tag: 'connections', summary: 'Change an upstream identity provider', body: updateConnectionSchema, response: connectionSchema,
      handler: async ({ params, body, actor }) => present(await connections.updateConnection(params.connectionId, body, actor)),
    }),
    route({
      method: 'delete', path: '/connections/:connectionId', tag: 'connections', summary: 'Remove an upstream identity provider and its links', status: 204,
      handler: ({ params, actor }) => connections.deleteConnection(params.connectionId, actor),
    }),
    route({
      method: 'get', path: '/clients/:clientId/connections', tag: 'connections', summary: 'Which upstream providers a client offers', response: clientConnectionsSchema,
      handler: async ({ params }) => ({ client_id: params.clientId, connection_ids: await connections.clientPolicy(params.clientId) }),
    }),
    route({
      method: 'put', path: '/clients/:clientId/connections', tag: 'connections', body: setClientConnectionsSchema, response: clientConnectionsSchema,
      summary: 'Restrict the upstream providers a client offers (null: every enabled one)',
      handler: async ({ params, body, actor }) => ({ client_id: params.clientId, connection_ids: await connections.setClientPolicy(params.clientId, body.connection_ids, actor) }),
    }),
  ];
}
