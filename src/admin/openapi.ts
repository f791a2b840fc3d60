import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { requiredPermission, type AdminRoute } from './route-kit.js';
import { problemSchema } from './schemas.js';

export const ADMIN_PREFIX = '/admin/api/v1';

/** `/roles/:roleId` → `/admin/api/v1/roles/{roleId}` */
export const openApiPath = (path: string) => ADMIN_PREFIX + path.replace(/:(\w+)/g, '{$1}');

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/**
 * The OpenAPI 3.1 document of the admin API, generated from the same route definitions and zod
 * schemas that validate requests (zod-openapi renders zod 4's JSON Schema), so it cannot drift.
 */
export function buildOpenApiDocument(routes: AdminRoute[], options: { issuer: string; audience: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]);
    const status = String(route.status ?? 200);
    const writes = route.method !== 'get';
    const operation: ZodOpenApiOperationObject = {
      operationId: `${route.method}${route.path.replace(/[/:-](\w)/g, (_match, letter: string) => letter.toUpperCase())}`,
      tags: [route.tag],
      summary: route.summary,
      security: [{ adminToken: [requiredPermission(route.method)] }],
      requestParams: {
        ...(names.length ? { path: z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
      },
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      responses: {
        [status]: {
          description: status === '204' ? 'Done' : status === '201' ? 'Created' : 'OK',
          ...(route.response && status !== '204' ? { content: { 'application/json': { schema: route.response } } } : {}),
        },
        ...(route.body || route.query ? { '400': problem('Invalid input; `field` names the first field at fault') } : {}),
        '401': problem('No valid bearer token for the admin API'),
        '403': problem(`The token lacks ${requiredPermission(route.method)}`),
        ...(names.length ? { '404': problem('No such object (also for ids that are malformed)') } : {}),
        ...(writes ? { '409': problem('Conflicts with existing data (duplicate name, membership loop, …)') } : {}),
      },
    };
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Identity provider admin API',
      version: '1',
      description:
        'Manage accounts, clients, API resources, permissions, roles, groups and object grants. ' +
        `Authenticate with a client-credentials access token for the audience ${options.audience}; ` +
        'GET needs admin:read, every change admin:write. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: options.issuer }],
    paths,
    components: {
      securitySchemes: {
        adminToken: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: `${options.issuer}/token`,
              scopes: { 'admin:read': 'Read', 'admin:write': 'Change' },
            },
          },
        },
      },
    },
  });
}
