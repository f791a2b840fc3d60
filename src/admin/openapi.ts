import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { eventPageSchema, storedEventSchema } from '../audit/event-schema.js';
import { EVENTS_PATH, eventsQuery } from '../audit/routes.js';
import { JSON_BODY_LIMIT_BYTES } from '../http/json-body.js';
import { requiredPermission, type AdminRoute } from './route-kit.js';
import { problemSchema } from './schemas.js';

export const ADMIN_PREFIX = '/admin/api/v1';

/** `/roles/:roleId` → `/admin/api/v1/roles/{roleId}` */
export const openApiPath = (path: string) => ADMIN_PREFIX + path.replace(/:(\w+)/g, '{$1}');

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });
const tooManyRequests = problem('Over the per-client request limit (API_REQUESTS_PER_CLIENT_PER_MINUTE); Retry-After says when to try again');

/**
 * GET /events, the audit log. Its router is the audit domain's own (src/audit/routes.ts, mounted in
 * app.ts on the admin API's guard), so it is described here from that router's path and query schema.
 */
function eventsOperation(): ZodOpenApiOperationObject {
  return {
    operationId: 'getEvents',
    tags: ['Audit'],
    summary: 'Read the audit log: a page of events, or every matching event as NDJSON',
    description:
      'JSON (the default): one page, newest first unless `order=asc`; follow `next_cursor`. ' +
      'NDJSON (`format=ndjson` or `Accept: application/x-ndjson`): every matching event, oldest first, streamed one JSON object per line; resume with `after_id`. ' +
      'The events are described in docs/events.md.',
    security: [{ adminToken: [requiredPermission('get')] }],
    requestParams: { query: eventsQuery },
    responses: {
      '200': {
        description: 'OK: a page (application/json), or one Event per line (application/x-ndjson; the schema describes each line)',
        content: {
          'application/json': { schema: eventPageSchema },
          'application/x-ndjson': { schema: storedEventSchema },
        },
      },
      '400': problem('Invalid filter or paging parameter (an unknown type, a cursor with another order, `cursor` with NDJSON, `after_id` with JSON, `limit` over 500 for a page); `field` names it'),
      '401': problem('No valid bearer token for the admin API, or a person\'s token without a multi-factor sign-in'),
      '403': problem(`The token lacks ${requiredPermission('get')}, or its client may not act for people`),
      '429': tooManyRequests,
    },
  };
}

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
        // Every operation: text that cannot be stored (NUL) is refused in any query parameter, even one
        // the operation does not read (src/http/storable-text.ts).
        '400': problem('Invalid input (including text that cannot be stored, such as NUL, in any query or path parameter); `field` names the first field at fault'),
        '401': problem('No valid bearer token for the admin API, or a person\'s token without a multi-factor sign-in'),
        '403': problem(`The token lacks ${requiredPermission(route.method)}, or its client may not act for people`),
        ...(names.length || route.body ? { '404': problem('No such object (also for ids that are malformed), or an object the body names does not exist') } : {}),
        ...(writes ? { '409': problem('Conflicts with existing data (duplicate name, membership loop, …)') } : {}),
        ...(route.body
          ? {
              '413': problem(`The body is larger than ${JSON_BODY_LIMIT_BYTES} bytes`),
              '415': problem('The body is not application/json'),
            }
          : {}),
        '429': tooManyRequests,
      },
    };
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  paths[openApiPath(EVENTS_PATH)] = { ...paths[openApiPath(EVENTS_PATH)], get: eventsOperation() };
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Identity provider admin API',
      version: '1',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description:
        'Manage accounts, clients, API resources, permissions, roles, groups and object grants, and read the audit log. ' +
        `Authenticate with an access token for the audience ${options.audience}: from client credentials (the client acts as itself), ` +
        "or issued to a person through a first-party client flagged system_api_delegation, with the permission as scope, consented, " +
        'from a multi-factor sign-in (acr). GET needs admin:read, every change admin:write. Errors are RFC 9457 problem details.',
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
            // Delegated: first-party clients flagged system_api_delegation only (rbac/api-guard.ts).
            authorizationCode: {
              authorizationUrl: `${options.issuer}/auth`,
              tokenUrl: `${options.issuer}/token`,
              scopes: { 'admin:read': 'Read, for the signed-in person', 'admin:write': 'Change, for the signed-in person' },
            },
          },
        },
      },
    },
  });
}
