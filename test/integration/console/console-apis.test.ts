import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, type ConsoleSession, type Operator } from '../../support/console.js';
import type { TestServer } from '../../support/server.js';
import type { Page } from '../../support/user-agent.js';

/** Issue 16, APIs and permissions (/admin/resources: a path under /admin/api would be taken for the admin API's): every change through the admin API; bad input is a message on the form. */
describe('admin console: APIs and permissions', () => {
  let server: TestServer;
  let writer: Operator;
  let page: Page;
  let get: ConsoleSession['get'];
  let post: ConsoleSession['post'];

  beforeAll(async () => {
    ({ server, writer, page, get, post } = await openConsole('/admin/resources'));
  });
  afterAll(() => server.close());

  const resources = () => server.container.resources.listResources();

  it('lists the server’s own APIs as built-in, without change buttons', async () => {
    expect(page.status).toBe(200);
    expect(page.body).toContain(server.container.systemApis.admin.identifier);
    expect(page.body).toContain('built-in');
    const admin = (await resources()).find((resource) => resource.identifier === server.container.systemApis.admin.identifier)!;
    const shown = await get(`/admin/resources/${admin.id}`);
    expect(shown.body).toContain('admin:write');
    expect(shown.body).not.toContain('Delete API');
    expect(shown.body).not.toContain('/add-permission');
    const refused = await post(`/admin/resources/${admin.id}/delete`, {});
    expect(refused.status).toBe(409);
    expect(await server.container.resources.findResourceByIdentifier(admin.identifier)).toBeDefined();
  });

  it('registers an API with its token settings, edits it, adds, describes and removes a permission, and deletes it', async () => {
    const created = await post('/admin/resources/new', { identifier: 'https://invoices.example.com', name: 'Invoices', description: 'Billing', access_token_ttl: '600', token_format: 'opaque', resource_servers: '' });
    expect(created.status).toBe(200);
    expect(created.url).toMatch(/\/admin\/resources\/[0-9a-f-]{36}\?done=api-created$/);
    expect(created.body).toContain('The API is registered');
    const resource = (await server.container.resources.findResourceByIdentifier('https://invoices.example.com'))!;
    expect(resource).toMatchObject({ name: 'Invoices', description: 'Billing', access_token_ttl: 600, token_format: 'opaque' });
    const base = `/admin/resources/${resource.id}`;

    const saved = await post(`${base}/edit`, { name: 'Invoices API', description: '', access_token_ttl: '', token_format: 'jwt', resource_servers: '' });
    expect(saved.url).toContain('?done=api-saved');
    expect(await server.container.resources.findResourceByIdentifier('https://invoices.example.com')).toMatchObject({ name: 'Invoices API', description: null, access_token_ttl: null, token_format: 'jwt' });

    const added = await post(`${base}/add-permission`, { name: 'invoices:read', description: 'Read invoices' });
    expect(added.url).toContain('?done=permission-added');
    expect(added.body).toContain('invoices:read');
    const permission = (await server.container.resources.findPermission('https://invoices.example.com', 'invoices:read'))!;
    const described = await post(`${base}/permissions/${permission.id}/edit`, { description: 'See every invoice' });
    expect(described.url).toContain('?done=permission-saved');
    expect((await server.container.resources.findPermission('https://invoices.example.com', 'invoices:read'))!.description).toBe('See every invoice');

    const confirmRemove = await get(`${base}/permissions/${permission.id}/remove`);
    expect(confirmRemove.body).toContain('Remove this permission?');
    const removed = await post(`${base}/permissions/${permission.id}/remove`, {});
    expect(removed.url).toBe(`${server.issuer}${base}?done=permission-removed`);
    expect(await server.container.resources.findPermission('https://invoices.example.com', 'invoices:read')).toBeUndefined();

    const confirmDelete = await get(`${base}/delete`);
    expect(confirmDelete.body).toContain('Delete this API?');
    const deleted = await post(`${base}/delete`, {});
    expect(deleted.url).toBe(`${server.issuer}/admin/resources?done=api-deleted`);
    expect(await server.container.resources.findResourceByIdentifier('https://invoices.example.com')).toBeUndefined();

    const events = await server.container.events.list({ types: ['resource.*', 'permission.*'] }, { limit: 20, order: 'desc' });
    expect(events.items.length).toBeGreaterThanOrEqual(5);
    expect(new Set(events.items.map((event) => event.actor_id))).toEqual(new Set([writer.id]));
  });

  it('puts the admin API’s refusal next to the field, keeps the form as typed and changes nothing', async () => {
    const before = (await resources()).length;
    const badUri = await post('/admin/resources/new', { identifier: 'not a uri', name: 'Typed name', token_format: 'jwt' });
    expect(badUri.status).toBe(400);
    expect(badUri.body).toContain('id="identifier-error"');
    expect(badUri.body).toContain('value="Typed name"');
    const badTtl = await post('/admin/resources/new', { identifier: 'https://ttl.example.com', access_token_ttl: 'soon', token_format: 'jwt' });
    expect(badTtl.status).toBe(400);
    expect(badTtl.body).toContain('id="access_token_ttl-error"');
    const badServer = await post('/admin/resources/new', { identifier: 'https://rs.example.com', token_format: 'jwt', resource_servers: 'no-such-client' });
    expect(badServer.status).toBe(400);
    expect(badServer.body).toContain('id="resource_servers-error"');
    const hostile = await post('/admin/resources/new', { identifier: 'https://x.example.com', token_format: 'neither', name: 'x'.repeat(600) });
    expect(hostile.status).toBe(400);
    expect(await resources()).toHaveLength(before);

    await post('/admin/resources/new', { identifier: 'https://twice.example.com', token_format: 'jwt' });
    const twice = await post('/admin/resources/new', { identifier: 'https://twice.example.com', token_format: 'jwt' });
    expect(twice.status).toBe(409);
    expect(twice.body).toContain('already exists');
    const resource = (await server.container.resources.findResourceByIdentifier('https://twice.example.com'))!;
    await post(`/admin/resources/${resource.id}/add-permission`, { name: 'twice:read' });
    const duplicate = await post(`/admin/resources/${resource.id}/add-permission`, { name: 'twice:read' });
    expect(duplicate.status).toBe(409);
    const spaced = await post(`/admin/resources/${resource.id}/add-permission`, { name: 'has space' });
    expect(spaced.status).toBe(400);
    expect(spaced.body).toContain('id="permission-name-error"');
    expect(spaced.body).toContain('value="has space"');
    const reserved = await post(`/admin/resources/${resource.id}/add-permission`, { name: 'openid' });
    expect(reserved.status).toBe(400);
  });

  it('pages through APIs with the admin API’s cursors and restarts on a bad cursor', async () => {
    for (let index = 0; index < 26; index += 1) {
      await server.container.resources.createResource({ identifier: `https://many-${String(index).padStart(2, '0')}.example.com` }, { type: 'system', id: 'test' });
    }
    const first = await get('/admin/resources');
    const next = /href="(\/admin\/resources\?cursor=[^"]+)" rel="next"/.exec(first.body)![1];
    const second = await get(next.replace(/&amp;/g, '&'));
    expect(second.status).toBe(200);
    expect(second.body).toContain('First page');
    const bad = await get('/admin/resources?cursor=garbage');
    expect(bad.url).toBe(`${server.issuer}/admin/resources`);
  });

  it('answers an unknown or malformed API id with a 404 page, not a 500', async () => {
    for (const path of ['/admin/resources/not-a-uuid', '/admin/resources/00000000-0000-4000-8000-000000000000', '/admin/resources/00000000-0000-4000-8000-000000000000/permissions/x']) {
      const shown = await get(path);
      expect(shown.status).toBe(404);
      expect(shown.headers.get('content-type')).toContain('text/html');
    }
  });
});
