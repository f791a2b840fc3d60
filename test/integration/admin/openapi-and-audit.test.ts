import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type Router from '@koa/router';
import { ADMIN_PREFIX } from '../../../src/admin/openapi.js';
import { createAdminRouter } from '../../../src/admin/routes.js';
import { createEventRouter, eventsQuery } from '../../../src/audit/routes.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const V1 = '/admin/api/v1';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('admin API description and audit trail', () => {
  let server: TestServer;
  let admin: ApiClient & { secret: string };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
  });
  afterAll(() => server.close());

  it('serves an OpenAPI 3.1 document that lists exactly the routes the admin and audit-log routers serve', async () => {
    const response = await fetch(`${server.issuer}/admin/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`),
    );

    const router = createAdminRouter({
      ...server.container,
      provider: () => server.container.providers.current(),
      guard: server.container.apiGuard,
      audience: server.container.systemApis.admin.identifier,
      issuer: server.issuer,
    }) as Router;
    // The audit log has its own router, mounted under the same prefix in app.ts.
    const events = createEventRouter({ events: server.container.events, prefix: ADMIN_PREFIX, guard: (_ctx, next) => next() });
    const served = [...router.stack, ...events.stack]
      .map((layer) => ({ path: String(layer.path), methods: layer.methods }))
      .filter((layer) => layer.path.startsWith(V1))
      .flatMap((layer) => layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${layer.path.replace(/:(\w+)/g, '{$1}')}`));

    expect(new Set(documented)).toEqual(new Set(served));
    expect(documented).toHaveLength(served.length);
    expect(served).toContain(`GET ${V1}/events`);
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'Role', 'Group', 'Account', 'Client', 'ObjectGrant']));
  });

  it('documents the path parameters, the bodies and the errors of each operation', async () => {
    const document = await (await fetch(`${server.issuer}/admin/api/openapi.json`)).json();
    const operation = document.paths[`${V1}/roles/{roleId}`].patch;
    expect(operation.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'roleId', required: true })]);
    expect(operation.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '429']);
    expect(operation.security).toEqual([{ adminToken: ['admin:write'] }]);
  });

  it('documents the audit log: every query parameter of its schema, JSON pages, NDJSON and problems', async () => {
    const document = await (await fetch(`${server.issuer}/admin/api/openapi.json`)).json();
    const operation = document.paths[`${V1}/events`].get;
    expect(operation.security).toEqual([{ adminToken: ['admin:read'] }]);
    expect(operation.parameters.map((parameter: { in: string; name: string }) => `${parameter.in}:${parameter.name}`).sort()).toEqual(
      Object.keys(eventsQuery.shape).sort().map((name) => `query:${name}`),
    );
    expect(Object.keys(eventsQuery.shape)).toEqual(expect.arrayContaining(['type', 'account', 'from', 'to', 'limit', 'cursor', 'format', 'after_id']));
    const byName = Object.fromEntries(operation.parameters.map((parameter: { name: string; schema: unknown }) => [parameter.name, parameter.schema]));
    expect(byName.outcome).toMatchObject({ enum: ['success', 'failure'] });
    expect(byName.from).toMatchObject({ type: 'string', format: 'date-time' });
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '429']);
    for (const status of ['400', '401', '403', '429']) expect(Object.keys(operation.responses[status].content)).toEqual(['application/problem+json']);
    const content = operation.responses['200'].content;
    expect(content['application/json'].schema).toEqual({ $ref: '#/components/schemas/EventPage' });
    expect(content['application/x-ndjson'].schema).toEqual({ $ref: '#/components/schemas/Event' });

    // The documented event has exactly the fields the route answers with.
    const page = await admin.call('GET', `${V1}/events?limit=1`);
    expect(page.status).toBe(200);
    expect(Object.keys(page.body).sort()).toEqual(Object.keys(document.components.schemas.EventPage.properties).sort());
    expect(Object.keys(page.body.items[0]).sort()).toEqual(Object.keys(document.components.schemas.Event.properties).sort());
  });

  it('records every change with its actor, its target and the fields before and after, secrets masked', async () => {
    const role = await admin.call('POST', `${V1}/roles`, { name: 'auditors', description: 'First' });
    await admin.call('PATCH', `${V1}/roles/${role.body.id}`, { description: 'Second' });
    const client = await admin.call('POST', `${V1}/clients`, { name: 'Audited bot', type: 'machine' });
    const rotated = await admin.call('POST', `${V1}/clients/${client.body.client_id}/secret`);
    await admin.call('POST', `${V1}/accounts`, { email: 'audited@example.com', password: 'a secret password here' });

    const events = await server.container.db('events').whereIn('type', ['role.created', 'role.updated', 'client.created', 'client.secret_rotated', 'account.created']).orderBy('id');
    const byType = (type: string) => events.filter((event) => event.type === type).at(-1);
    expect(byType('role.updated')).toMatchObject({
      actor_type: 'client',
      actor_id: admin.clientId,
      request_id: expect.any(String),
      detail: { target: { type: 'role', id: role.body.id, name: 'auditors' }, changes: { description: { before: 'First', after: 'Second' } } },
    });
    expect(byType('role.created')?.detail.changes).toMatchObject({ name: { before: null, after: 'auditors' } });
    expect(byType('client.created')?.detail.changes.client_secret).toEqual({ before: null, after: '[masked]' });
    expect(byType('client.secret_rotated')?.detail.changes).toEqual({ client_secret: { before: '[masked]', after: '[masked]' } });
    expect(byType('account.created')?.detail.changes.password).toEqual({ before: null, after: '[masked]' });

    const everything = JSON.stringify(await server.container.db('events').select('*'));
    for (const secret of [client.body.client_secret, rotated.body.client_secret, admin.secret, 'a secret password here']) expect(everything).not.toContain(secret);
  });
});
