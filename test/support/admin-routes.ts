import { randomUUID } from 'node:crypto';
import { adminRoutes } from '../../src/admin/routes.js';
import type { AdminDeps } from '../../src/admin/deps.js';
import type { AdminRoute } from '../../src/admin/route-kit.js';

/** The admin API's routes as declared (the definitions need no live dependencies to be listed). */
export const ADMIN_ROUTES: AdminRoute[] = adminRoutes({} as AdminDeps);

export const routeKey = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;

/** Fills a route's parameters: unknown but well-formed ids by default. */
export function fillPath(path: string, values: Record<string, string> = {}): string {
  return `/admin/api/v1${path.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(values[name] ?? (/Uid$|^clientId$/.test(name) ? `missing-${name}` : randomUUID())))}`;
}

/** Which declared route a concrete path and method hit. */
export function matchRoute(method: string, path: string): AdminRoute | undefined {
  const bare = path.split('?')[0].replace(/^\/admin\/api\/v1/, '');
  return ADMIN_ROUTES.find(
    (route) => route.method === method.toLowerCase() && new RegExp(`^${route.path.replace(/:\w+/g, '[^/]+')}$`).test(bare),
  );
}

/** A body each writing route accepts, so a 404 test reaches the lookup. */
export const VALID_BODIES: Record<string, unknown> = {
  'PATCH /accounts/:accountId': { name: 'Renamed' },
  'PATCH /clients/:clientId': { name: 'Renamed' },
  'PATCH /resources/:resourceId': { name: 'Renamed' },
  'POST /resources/:resourceId/permissions': { name: 'things:read' },
  'PATCH /resources/:resourceId/permissions/:permissionId': { description: 'Read things' },
  'PATCH /roles/:roleId': { description: 'Changed' },
  'PATCH /groups/:groupId': { description: 'Changed' },
  'PATCH /connections/:connectionId': { display_name: 'Renamed' },
  'PUT /clients/:clientId/connections': { connection_ids: null },
  'PUT /clients/:clientId/token-exchange': { targets: [] },
  'PATCH /attributes/:attributeName': { label: 'Changed' },
  'PATCH /scopes/:scopeName': { description: 'Changed' },
  'PATCH /accounts/:accountId/attributes': { attributes: {} },
  'PATCH /scim/directories/:directoryId': { name: 'Renamed' },
};

/** For each route that takes input: one invalid request and the field the 400 must name. */
export const INVALID_INPUTS: Record<string, { query?: string; body?: unknown; field: string }> = {
  'GET /accounts': { query: 'limit=0', field: 'limit' },
  'POST /accounts': { body: { email: 'not-an-email' }, field: 'email' },
  'PATCH /accounts/:accountId': { body: { status: 'gone' }, field: 'status' },
  'GET /clients': { query: 'cursor=garbage', field: 'cursor' },
  'POST /clients': { body: { name: 'Robot', type: 'robot' }, field: 'type' },
  'PATCH /clients/:clientId': { body: { redirect_uris: ['not a url'] }, field: 'redirect_uris.0' },
  'GET /resources': { query: 'limit=1000', field: 'limit' },
  'POST /resources': { body: { identifier: 'not-a-url' }, field: 'identifier' },
  'PATCH /resources/:resourceId': { body: { access_token_ttl: -1 }, field: 'access_token_ttl' },
  'POST /resources/:resourceId/permissions': { body: { name: 'has space' }, field: 'name' },
  'PATCH /resources/:resourceId/permissions/:permissionId': { body: { name: 'openid' }, field: 'name' },
  'GET /roles': { query: 'limit=abc', field: 'limit' },
  'POST /roles': { body: { name: '' }, field: 'name' },
  'PATCH /roles/:roleId': { body: { name: 5 }, field: 'name' },
  'GET /groups': { query: 'limit=-5', field: 'limit' },
  'POST /groups': { body: { name: '-leading-dash' }, field: 'name' },
  'PATCH /groups/:groupId': { body: { name: '   ' }, field: 'name' },
  'GET /object-grants': { query: 'account_id=nope', field: 'account_id' },
  'GET /accounts/:accountId/sessions': { query: 'limit=201', field: 'limit' },
  'GET /accounts/:accountId/grants': { query: `cursor=${'x'.repeat(501)}`, field: 'cursor' },
  'GET /accounts/:accountId/roles': { query: 'limit=1.5', field: 'limit' },
  'GET /accounts/:accountId/groups': { query: 'limit=0', field: 'limit' },
  'GET /clients/:clientId/roles': { query: 'limit=0', field: 'limit' },
  'GET /clients/:clientId/backchannel-logout-deliveries': { query: 'status=lost', field: 'status' },
  'GET /groups/:groupId/members': { query: 'limit=many', field: 'limit' },
  'GET /groups/:groupId/roles': { query: 'limit=', field: 'limit' },
  'GET /resources/:resourceId/permissions': { query: 'limit=-1', field: 'limit' },
  'GET /roles/:roleId/permissions': { query: `cursor=${'x'.repeat(501)}`, field: 'cursor' },
  'GET /roles/:roleId/assignments': { query: 'limit=500', field: 'limit' },
  'GET /attributes': { query: 'limit=0', field: 'limit' },
  'GET /scopes': { query: 'cursor=not-a-cursor', field: 'cursor' },
  'GET /connections': { query: 'limit=1e9', field: 'limit' },
  'POST /attributes': { body: { name: 'shoe_size', type: 'decimal' }, field: 'type' },
  'PATCH /attributes/:attributeName': { body: { rule: { pattern: '(' } }, field: 'rule.pattern' },
  'POST /scopes': { body: { name: 'profile', claims: [] }, field: 'name' },
  'PATCH /scopes/:scopeName': { body: { claims: ['Not A Name'] }, field: 'claims.0' },
  'PATCH /accounts/:accountId/attributes': { body: { attributes: { department: { nested: true } } }, field: 'attributes.department' },
  'POST /object-grants': { body: { subject_type: 'client', subject_id: 'x', permission_id: randomUUID(), object: 'document:1' }, field: 'subject_type' },
  'POST /connections': { body: { slug: 'Not A Slug', client_id: 'x' }, field: 'slug' },
  'PATCH /connections/:connectionId': { body: { issuer: 'http://idp.example.com' }, field: 'issuer' },
  'PUT /clients/:clientId/connections': { body: { connection_ids: ['nope'] }, field: 'connection_ids.0' },
  'PUT /clients/:clientId/token-exchange': { body: { targets: [{ resource: 'not a url' }] }, field: 'targets.0.resource' },
  'POST /scim/directories': { body: { name: 'Acme', send_invitations: 'yes' }, field: 'send_invitations' },
  'PATCH /scim/directories/:directoryId': { body: { client_id: '' }, field: 'client_id' },
  'POST /scim/directories/:directoryId/tokens': { body: { expires_at: 'tomorrow' }, field: 'expires_at' },
  'GET /webhooks': { query: 'limit=0', field: 'limit' },
  'POST /webhooks': { body: { url: 'https://hooks.example.com/x', event_types: [] }, field: 'event_types' },
  'GET /webhooks/:webhookId/deliveries': { query: 'status=lost', field: 'status' },
};
