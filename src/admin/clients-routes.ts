import { diffFields, MASKED, recordChange } from '../audit/changes.js';
import type { ClientJwks } from '../clients/client-keys.js';
import { notFound } from '../errors/app-error.js';
import type { AdminDeps } from './deps.js';
import { presentClient, presentLogoutDelivery } from './present.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';
import { z } from 'zod';
import { clientSchema, logoutDeliveryQuery, logoutDeliverySchema, clientWithSecretSchema, createClientSchema, roleAssignmentSchema, secretSchema, updateClientSchema } from './schemas.js';

export function clientRoutes(deps: AdminDeps): AdminRoute[] {
  const requireClient = async (id: string) => {
    const client = await deps.clients.findClient(id);
    if (!client) throw notFound('no client with this id');
    return client;
  };
  const target = (client: { client_id: string; name: string }) => ({ type: 'client', id: client.client_id, name: client.name });

  return [
    route({
      method: 'get', path: '/clients', tag: 'clients', summary: 'List clients', query: pageQuery, response: pageSchema(clientSchema),
      handler: async ({ query }) => pageOf(await deps.clients.listClientsPage(query), presentClient),
    }),
    route({
      method: 'post', path: '/clients', tag: 'clients', summary: 'Register a client (the secret is shown once)', body: createClientSchema, status: 201,
      response: clientWithSecretSchema,
      handler: async ({ body, actor }) => {
        const { client, clientSecret } = await deps.clients.createClient({
          name: body.name, type: body.type, redirectUris: body.redirect_uris, postLogoutRedirectUris: body.post_logout_redirect_uris,
          scope: body.scope, firstParty: body.first_party, requireMfa: body.require_mfa, requirePhishingResistant: body.require_phishing_resistant, systemApiDelegation: body.system_api_delegation, requireVerifiedEmail: body.require_verified_email,
          defaultMaxAge: body.default_max_age, authMethod: body.token_endpoint_auth_method, jwks: body.jwks as ClientJwks | undefined, jwksUri: body.jwks_uri,
          requireDpop: body.dpop_bound_access_tokens, requirePar: body.require_pushed_authorization_requests,
          backchannelLogoutUri: body.backchannel_logout_uri, backchannelLogoutSessionRequired: body.backchannel_logout_session_required,
          logoUri: body.logo_uri, policyUri: body.policy_uri, tosUri: body.tos_uri,
        });
        const presented = presentClient(client);
        await recordChange(deps.audit, {
          type: 'client.created', actor, target: target(client), clientId: client.client_id,
          changes: diffFields(undefined, { ...presented, client_secret: clientSecret ? MASKED : null }, { ignore: ['client_id'], secret: ['client_secret'] }),
        });
        return { ...presented, ...(clientSecret ? { client_secret: clientSecret } : {}) };
      },
    }),
    route({
      method: 'get', path: '/clients/:clientId', tag: 'clients', summary: 'Get a client', response: clientSchema,
      handler: async ({ params }) => presentClient(await requireClient(params.clientId)),
    }),
    route({
      method: 'patch', path: '/clients/:clientId', tag: 'clients', summary: "Change a client's registration", body: updateClientSchema, response: clientSchema,
      handler: async ({ params, body, actor }) => {
        const before = await requireClient(params.clientId);
        const after = await deps.clients.updateClient(before.client_id, {
          name: body.name, redirectUris: body.redirect_uris, postLogoutRedirectUris: body.post_logout_redirect_uris,
          scope: body.scope === null ? '' : body.scope, firstParty: body.first_party, requireMfa: body.require_mfa, requirePhishingResistant: body.require_phishing_resistant, systemApiDelegation: body.system_api_delegation, requireVerifiedEmail: body.require_verified_email,
          defaultMaxAge: body.default_max_age, authMethod: body.token_endpoint_auth_method, jwks: body.jwks as ClientJwks | null | undefined, jwksUri: body.jwks_uri,
          requireDpop: body.dpop_bound_access_tokens, requirePar: body.require_pushed_authorization_requests,
          backchannelLogoutUri: body.backchannel_logout_uri, backchannelLogoutSessionRequired: body.backchannel_logout_session_required,
          logoUri: body.logo_uri, policyUri: body.policy_uri, tosUri: body.tos_uri,
        });
        await recordChange(deps.audit, {
          type: 'client.updated', actor, target: target(after), clientId: after.client_id,
          changes: diffFields(presentClient(before), presentClient(after)),
        });
        return presentClient(after);
      },
    }),
    route({
      method: 'delete', path: '/clients/:clientId', tag: 'clients', summary: 'Delete a client', status: 204,
      handler: async ({ params, actor }) => {
        const client = await requireClient(params.clientId);
        await deps.clients.deleteClient(client.client_id);
        deps.access.invalidate();
        await recordChange(deps.audit, {
          type: 'client.deleted', actor, target: target(client), clientId: client.client_id,
          changes: diffFields(presentClient(client), undefined, { ignore: ['client_id'] }),
        });
      },
    }),
    route({
      method: 'post', path: '/clients/:clientId/secret', tag: 'clients', summary: "Rotate a confidential client's secret (the old one stops working)", response: secretSchema,
      handler: async ({ params, actor }) => {
        const { client, clientSecret } = await deps.clients.rotateSecret(params.clientId);
        await recordChange(deps.audit, {
          type: 'client.secret_rotated', actor, target: target(client), clientId: client.client_id,
          changes: { client_secret: { before: MASKED, after: MASKED } },
        });
        return { client_id: client.client_id, client_secret: clientSecret };
      },
    }),
    route({
      method: 'get', path: '/clients/:clientId/backchannel-logout-deliveries', tag: 'clients', query: logoutDeliveryQuery,
      summary: "List the logout tokens queued for a client's backchannel_logout_uri, newest first: state, attempts, next retry, last answer",
      response: z.object({ items: z.array(logoutDeliverySchema) }),
      handler: async ({ params, query }) => {
        const client = await requireClient(params.clientId);
        const rows = await deps.logoutDeliveries.list({ clientId: client.client_id, status: query.status, limit: query.limit });
        return { items: rows.map(presentLogoutDelivery) };
      },
    }),
    route({
      method: 'get', path: '/clients/:clientId/roles', tag: 'clients', summary: 'List the roles a machine client holds', query: pageQuery,
      response: pageSchema(roleAssignmentSchema),
      handler: async ({ params, query }) => pageOf(await deps.roles.listAssignmentsPage({ type: 'client', id: params.clientId }, query), (assignment) => assignment),
    }),
    route({
      method: 'put', path: '/clients/:clientId/roles/:roleId', tag: 'clients', summary: 'Give a role to a machine client', status: 204,
      handler: async ({ params, actor }) => void (await deps.roles.assign(params.roleId, { type: 'client', id: params.clientId }, actor)),
    }),
    route({
      method: 'delete', path: '/clients/:clientId/roles/:roleId', tag: 'clients', summary: 'Take a role from a machine client', status: 204,
      handler: async ({ params, actor }) => deps.roles.unassign(params.roleId, { type: 'client', id: params.clientId }, actor),
    }),
  ];
}
