import { z } from 'zod';
import { notFound } from '../errors/app-error.js';
import type { IdentityRow } from '../federation/queries.js';
import { isUuid } from '../rbac/subjects.js';
import type { AdminDeps } from './deps.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';
import { groupSchema } from './schemas.js';

const timestamp = z.iso.datetime().meta({ description: 'RFC 3339 time' });

export const accountGroupSchema = groupSchema.extend({ added_at: timestamp }).meta({ id: 'AccountGroup' });
export const linkedIdentitySchema = z
  .object({
    connection_id: z.uuid(),
    connection: z.string().meta({ description: "The upstream provider's slug" }),
    display_name: z.string(),
    subject: z.string().meta({ description: "The person's id at the upstream provider (sub)" }),
    email: z.string().nullable().meta({ description: 'The address the provider last gave' }),
    created_at: timestamp,
    last_login_at: timestamp.nullable(),
  })
  .meta({ id: 'LinkedIdentity' });

/**
 * What an account belongs to and is linked with, read-only: its direct groups (changed through
 * /groups/{id}/members) and its upstream identities (the person unlinks them on the account page,
 * under the rule that the last way to sign in stays; a password reset that first proves the address
 * removes them).
 */
export function accountRelationRoutes(deps: AdminDeps): AdminRoute[] {
  const requireAccount = async (id: string) => {
    const account = isUuid(id) ? await deps.accounts.findById(id) : undefined;
    if (!account) throw notFound('no account with this id');
    return account;
  };
  return [
    route({
      method: 'get', path: '/accounts/:accountId/groups', tag: 'accounts', summary: 'List the groups an account is a direct member of', query: pageQuery,
      response: pageSchema(accountGroupSchema),
      handler: async ({ params, query }) => pageOf(await deps.groups.listGroupsOfAccountPage((await requireAccount(params.accountId)).id, query), (group) => group),
    }),
    route({
      method: 'get', path: '/accounts/:accountId/identities', tag: 'accounts', summary: "List an account's linked upstream identities",
      response: z.object({ items: z.array(linkedIdentitySchema) }).meta({ id: 'LinkedIdentityList' }),
      handler: async ({ params }) => {
        const account = await requireAccount(params.accountId);
        const identities = await deps.federation.broker.listIdentities(account.id);
        const connections = new Map((identities.length ? await deps.connections.listConnections() : []).map((connection) => [connection.id, connection]));
        return {
          items: identities.map((identity: IdentityRow) => ({
            connection_id: identity.connection_id,
            connection: connections.get(identity.connection_id)?.slug ?? '',
            display_name: connections.get(identity.connection_id)?.display_name ?? 'A removed provider',
            subject: identity.subject,
            email: identity.email,
            created_at: identity.created_at,
            last_login_at: identity.last_login_at,
          })),
        };
      },
    }),
  ];
}
