import type { AdminDeps } from './deps.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';
import { createRoleSchema, roleAssignmentSchema, roleDetailSchema, rolePermissionSchema, roleSchema, updateRoleSchema } from './schemas.js';

export function roleRoutes(deps: AdminDeps): AdminRoute[] {
  const { roles } = deps;
  return [
    route({
      method: 'get', path: '/roles', tag: 'roles', summary: 'List roles', query: pageQuery, response: pageSchema(roleSchema),
      handler: async ({ query }) => pageOf(await roles.listRolesPage(query), (role) => role),
    }),
    route({
      method: 'post', path: '/roles', tag: 'roles', summary: 'Create a role', body: createRoleSchema, status: 201, response: roleDetailSchema,
      handler: async ({ body, actor }) => {
        const role = await roles.createRole({ name: body.name, description: body.description }, actor, body.permission_ids);
        const permissions = body.permission_ids?.length ? await roles.addPermissions(role.id, body.permission_ids, actor) : [];
        return { ...role, permissions };
      },
    }),
    route({
      method: 'get', path: '/roles/:roleId', tag: 'roles', summary: 'Get a role and its permissions', response: roleDetailSchema,
      handler: ({ params }) => roles.getRole(params.roleId),
    }),
    route({
      method: 'patch', path: '/roles/:roleId', tag: 'roles', summary: 'Rename or describe a role', body: updateRoleSchema, response: roleSchema,
      handler: ({ params, body, actor }) => roles.updateRole(params.roleId, body, actor),
    }),
    route({
      method: 'delete', path: '/roles/:roleId', tag: 'roles', summary: 'Delete a role (its holders lose its permissions)', status: 204,
      handler: ({ params, actor }) => roles.deleteRole(params.roleId, actor),
    }),
    route({
      method: 'get', path: '/roles/:roleId/permissions', tag: 'roles', summary: "List a role's permissions", query: pageQuery, response: pageSchema(rolePermissionSchema),
      handler: async ({ params, query }) => pageOf(await roles.listRolePermissionsPage(params.roleId, query), (permission) => permission),
    }),
    route({
      method: 'put', path: '/roles/:roleId/permissions/:permissionId', tag: 'roles', summary: 'Add a permission to a role', status: 204,
      handler: async ({ params, actor }) => void (await roles.addPermissions(params.roleId, [params.permissionId], actor)),
    }),
    route({
      method: 'delete', path: '/roles/:roleId/permissions/:permissionId', tag: 'roles', summary: 'Remove a permission from a role', status: 204,
      handler: ({ params, actor }) => roles.removePermission(params.roleId, params.permissionId, actor),
    }),
    route({
      method: 'get', path: '/roles/:roleId/assignments', tag: 'roles', summary: 'List who holds a role directly', query: pageQuery, response: pageSchema(roleAssignmentSchema),
      handler: async ({ params, query }) => pageOf(await roles.listHoldersPage(params.roleId, query), (assignment) => assignment),
    }),
  ];
}
