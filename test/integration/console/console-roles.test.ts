import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, type ConsoleSession, type Operator } from '../../support/console.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import type { TestServer } from '../../support/server.js';
import type { Page } from '../../support/user-agent.js';

/** Issue 16, roles: create, rename, permissions picked from the APIs', who holds it, delete behind a confirmation. */
describe('admin console: roles', () => {
  let server: TestServer;
  let writer: Operator;
  let page: Page;
  let get: ConsoleSession['get'];
  let post: ConsoleSession['post'];
  let readId: string;
  let writeId: string;

  beforeAll(async () => {
    ({ server, writer, page, get, post } = await openConsole('/admin/roles'));
    const resource = await server.container.resources.createResource(
      { identifier: 'https://orders.example.com', name: 'Orders', permissions: [{ name: 'orders:read', description: 'See orders' }, { name: 'orders:write' }] },
      TEST_ACTOR,
    );
    readId = resource.permissions.find((permission) => permission.name === 'orders:read')!.id;
    writeId = resource.permissions.find((permission) => permission.name === 'orders:write')!.id;
  });
  afterAll(() => server.close());


  it('creates a role, adds permissions from the picker, renames it, removes one, and deletes it', async () => {
    expect(page.status).toBe(200);
    const created = await post('/admin/roles/new', { name: 'Order desk', description: 'Handles orders' });
    expect(created.url).toMatch(/\/admin\/roles\/[0-9a-f-]{36}\?done=role-created$/);
    const role = (await server.container.roles.findRoleByName('Order desk'))!;
    const base = `/admin/roles/${role.id}`;
    // The picker offers every API's permissions, grouped by API.
    expect(created.body).toContain('<optgroup label="Orders">');
    expect(created.body).toContain(`value="${readId}"`);
    expect(created.body).toContain('Nobody holds this role directly');

    expect((await post(`${base}/add-permission`, { permission_id: readId })).url).toContain('?done=role-permission-added');
    const both = await post(`${base}/add-permission`, { permission_id: writeId });
    expect((await server.container.roles.getRole(role.id)).permissions.map((permission) => permission.name).sort()).toEqual(['orders:read', 'orders:write']);
    // What the role holds is no longer offered.
    expect(both.body).not.toContain(`<option value="${readId}"`);

    const renamed = await post(`${base}/edit`, { name: 'Order team', description: '' });
    expect(renamed.url).toContain('?done=role-saved');
    expect(await server.container.roles.requireRole(role.id)).toMatchObject({ name: 'Order team', description: null });

    const removed = await post(`${base}/remove-permission`, { permission_id: writeId });
    expect(removed.url).toContain('?done=role-permission-removed');
    expect((await server.container.roles.getRole(role.id)).permissions.map((permission) => permission.name)).toEqual(['orders:read']);

    expect((await get(`${base}/delete`)).body).toContain('Delete this role?');
    const deleted = await post(`${base}/delete`, {});
    expect(deleted.url).toBe(`${server.issuer}/admin/roles?done=role-deleted`);
    expect(await server.container.roles.findRoleByName('Order team')).toBeUndefined();
    const events = await server.container.events.list({ types: ['role.*'] }, { limit: 10, order: 'desc' });
    expect(events.items.slice(0, 6).map((event) => [event.type, event.actor_id])).toEqual([
      ['role.deleted', writer.id], ['role.permission_removed', writer.id], ['role.updated', writer.id],
      ['role.permission_added', writer.id], ['role.permission_added', writer.id], ['role.created', writer.id],
    ]);
  });

  it('shows who holds a role: accounts, groups and machine clients, by name', async () => {
    const role = await server.container.roles.createRole({ name: 'Held role' }, TEST_ACTOR);
    const person = await server.container.accounts.createAccount({ email: 'holder@example.com', password: 'a long enough password', emailVerified: true });
    const group = await server.container.groups.createGroup({ name: 'Holders group' }, TEST_ACTOR);
    const { client } = await server.container.clients.createClient({ name: 'Batch job', type: 'machine', redirectUris: [], postLogoutRedirectUris: [] });
    await server.container.roles.assign(role.id, { type: 'account', id: person.id }, TEST_ACTOR);
    await server.container.roles.assign(role.id, { type: 'group', id: group.id }, TEST_ACTOR);
    await server.container.roles.assign(role.id, { type: 'client', id: client.client_id }, TEST_ACTOR);
    const shown = await get(`/admin/roles/${role.id}`);
    expect(shown.body).toContain(`href="/admin/accounts/${person.id}">holder@example.com</a>`);
    expect(shown.body).toContain(`href="/admin/groups/${group.id}">Holders group</a>`);
    expect(shown.body).toContain('>Batch job</a>');
  });

  it('turns bad input into a message on the form and changes nothing', async () => {
    const empty = await post('/admin/roles/new', { name: '' });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('id="name-error"');
    const bad = await post('/admin/roles/new', { name: '<script>', description: 'typed' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('value="&lt;script&gt;"');
    expect(bad.body).toContain('value="typed"');
    const long = await post('/admin/roles/new', { name: 'x'.repeat(150) });
    expect(long.status).toBe(400);
    await post('/admin/roles/new', { name: 'Taken' });
    const taken = await post('/admin/roles/new', { name: 'taken' });
    expect(taken.status).toBe(409);
    expect(taken.body).toContain('already exists');
    expect(await server.container.roles.findRoleByName('<script>')).toBeUndefined();

    const role = (await server.container.roles.findRoleByName('Taken'))!;
    for (const permission_id of ['', 'not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      const refused = await post(`/admin/roles/${role.id}/add-permission`, { permission_id });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('id="permission_id-error"');
    }
    const notHeld = await post(`/admin/roles/${role.id}/remove-permission`, { permission_id: readId });
    expect(notHeld.status).toBe(400);
    expect(notHeld.body).toContain('does not hold this permission');
    const renameToTaken = await post(`/admin/roles/${(await server.container.roles.findRoleByName('Held role'))!.id}/edit`, { name: 'Taken' });
    expect(renameToTaken.status).toBe(409);
    expect(renameToTaken.body).toContain('value="Taken"');
    expect((await server.container.roles.getRole(role.id)).permissions).toEqual([]);
  });

  it('pages through roles with the API’s cursors, and answers an unknown role with a 404 page', async () => {
    for (let index = 0; index < 26; index += 1) await server.container.roles.createRole({ name: `Bulk ${String(index).padStart(2, '0')}` }, TEST_ACTOR);
    const first = await get('/admin/roles');
    const next = /href="(\/admin\/roles\?cursor=[^"]+)" rel="next"/.exec(first.body)![1];
    expect((await get(next)).body).toContain('First page');
    expect((await get('/admin/roles?cursor=nonsense')).url).toBe(`${server.issuer}/admin/roles`);
    for (const roleId of ['nope', '00000000-0000-4000-8000-000000000000']) {
      const missing = await get(`/admin/roles/${roleId}`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('text/html');
    }
  });
});
