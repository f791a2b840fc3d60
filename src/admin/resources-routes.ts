import type { AdminDeps } from './deps.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';
import {
  createPermissionSchema,
  createResourceSchema,
  permissionSchema,
  resourceDetailSchema,
  resourceSchema,
  updatePermissionSchema,
  updateResourceSchema,
} from './schemas.js';
import { isUuid } from '../rbac/subjects.js';
import { notFound } from '../errors/app-error.js';

export function resourceRoutes(deps: AdminDeps): AdminRoute[] {
  const { resources } = deps;
  const resourceId = (id: string) => {
    if (!isUuid(id)) throw notFound('no API resource with this id');
    return id;
  };
  const permissionId = (id: string) => {
    if (!isUuid(id)) throw notFound('no permission with this id on this API resource');
    return id;
  };

  return [
    route({
      method: 'get', path: '/resources', tag: 'resources', summary: 'List API resources', query: pageQuery, response: pageSchema(resourceSchema),
      handler: async ({ query }) => pageOf(await resources.listResourcesPage(query), (resource) => resource),
    }),
    route({
      method: 'post', path: '/resources', tag: 'resources', summary: 'Register an API resource with its permissions', body: createResourceSchema, status: 201,
      response: resourceDetailSchema,
      handler: ({ body, actor }) =>
        resources.createResource(
          {
            identifier: body.identifier, name: body.name, description: body.description, accessTokenTtl: body.access_token_ttl,
            tokenFormat: body.token_format, permissions: body.permissions, resourceServers: body.resource_server_client_ids,
          },
          actor,
        ),
    }),
    route({
      method: 'get', path: '/resources/:resourceId', tag: 'resources', summary: 'Get an API resource and its permissions', response: resourceDetailSchema,
      handler: ({ params }) => resources.getResource(resourceId(params.resourceId)),
    }),
    route({
      method: 'patch', path: '/resources/:resourceId', tag: 'resources', summary: 'Change an API resource', body: updateResourceSchema, response: resourceSchema,
      handler: ({ params, body, actor }) =>
        resources.updateResource(
          resourceId(params.resourceId),
          {
            name: body.name, description: body.description, accessTokenTtl: body.access_token_ttl, tokenFormat: body.token_format,
            resourceServers: body.resource_server_client_ids,
          },
          actor,
        ),
    }),
    route({
      method: 'delete', path: '/resources/:resourceId', tag: 'resources', summary: 'Delete an API resource, its permissions and their grants', status: 204,
      handler: ({ params, actor }) => resources.deleteResource(resourceId(params.resourceId), actor),
    }),
    route({
      method: 'get', path: '/resources/:resourceId/permissions', tag: 'resources', summary: "List an API resource's permissions", query: pageQuery,
      response: pageSchema(permissionSchema),
      handler: async ({ params, query }) => pageOf(await resources.listPermissionsPage(resourceId(params.resourceId), query), (permission) => permission),
    }),
    route({
      method: 'post', path: '/resources/:resourceId/permissions', tag: 'resources', summary: 'Declare a permission', body: createPermissionSchema, status: 201,
      response: permissionSchema,
      handler: ({ params, body, actor }) => resources.addPermission(resourceId(params.resourceId), body, actor),
    }),
    route({
      method: 'get', path: '/resources/:resourceId/permissions/:permissionId', tag: 'resources', summary: 'Get a permission', response: permissionSchema,
      handler: ({ params }) => resources.getPermission(resourceId(params.resourceId), permissionId(params.permissionId)),
    }),
    route({
      method: 'patch', path: '/resources/:resourceId/permissions/:permissionId', tag: 'resources', summary: 'Rename or describe a permission',
      body: updatePermissionSchema, response: permissionSchema,
      handler: ({ params, body, actor }) => resources.updatePermission(resourceId(params.resourceId), permissionId(params.permissionId), body, actor),
    }),
    route({
      method: 'delete', path: '/resources/:resourceId/permissions/:permissionId', tag: 'resources', summary: 'Remove a permission from roles and grants, then delete it',
      status: 204,
      handler: ({ params, actor }) => resources.deletePermission(resourceId(params.resourceId), permissionId(params.permissionId), actor),
    }),
  ];
}
