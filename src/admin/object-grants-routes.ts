import { notFound } from '../errors/app-error.js';
import { splitObjectRef } from '../rbac/schemas.js';
import type { AdminDeps } from './deps.js';
import { presentObjectGrant } from './present.js';
import { pageOf, pageSchema, route, type AdminRoute } from './route-kit.js';
import { createObjectGrantSchema, objectGrantQuery, objectGrantSchema } from './schemas.js';

export function objectGrantRoutes(deps: AdminDeps): AdminRoute[] {
  const { objectGrants, resources } = deps;
  return [
    route({
      method: 'get', path: '/object-grants', tag: 'object-grants', summary: 'List object grants', query: objectGrantQuery, response: pageSchema(objectGrantSchema),
      handler: async ({ query }) => {
        const object = query.object ? splitObjectRef(query.object) : undefined;
        const page = await objectGrants.listObjectGrantsPage(
          { accountId: query.account_id, groupId: query.group_id, permissionId: query.permission_id, objectType: object?.type, objectId: object?.id },
          query,
        );
        return pageOf(page, presentObjectGrant);
      },
    }),
    route({
      method: 'post', path: '/object-grants', tag: 'object-grants', summary: 'Grant one permission on one object to an account or a group',
      body: createObjectGrantSchema, status: 201, response: objectGrantSchema,
      handler: async ({ body, actor }) => {
        let permissionId = body.permission_id;
        if (permissionId === undefined) {
          const permission = await resources.findPermission(body.resource!, body.permission!);
          if (!permission) throw notFound('no such permission on this API resource');
          permissionId = permission.id;
        }
        const grant = await objectGrants.createObjectGrant({ subject: { type: body.subject_type, id: body.subject_id }, permissionId, object: body.object }, actor);
        return presentObjectGrant(grant);
      },
    }),
    route({
      method: 'get', path: '/object-grants/:grantId', tag: 'object-grants', summary: 'Get an object grant', response: objectGrantSchema,
      handler: async ({ params }) => presentObjectGrant(await objectGrants.getObjectGrant(params.grantId)),
    }),
    route({
      method: 'delete', path: '/object-grants/:grantId', tag: 'object-grants', summary: 'Revoke an object grant', status: 204,
      handler: ({ params, actor }) => objectGrants.deleteObjectGrant(params.grantId, actor),
    }),
  ];
}
