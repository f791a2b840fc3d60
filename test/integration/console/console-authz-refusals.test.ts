import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appRouters } from '../../../src/app.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { defineApi, TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

const SECTIONS = /^\/admin\/(resources|roles|groups|object-grants)(\/|$)/;

/**
 * Issue 16, what the access-control sections refuse: a read-only operator (admin:read only) sees no
 * change button and every change is a 403; a change without the CSRF token is a 403; neither changes
 * anything. The form routes are enumerated from the routers, with real ids, so a route that skipped a
 * check would act.
 */
describe('admin console: APIs, roles, groups and object grants refuse', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let writer: Operator;
  let reader: Operator;
  let posts: string[];
  const values: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ clock });
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
    reader = await createOperator(server, clock, 'reader@example.com', ['admin:read']);
    const { resource, ids } = await defineApi(server.container, 'https://refusals.example.com', ['things:read']);
    const role = await server.container.roles.createRole({ name: 'Refusal role' }, TEST_ACTOR);
    await server.container.roles.addPermissions(role.id, [ids['things:read']], TEST_ACTOR);
    const group = await server.container.groups.createGroup({ name: 'Refusal group' }, TEST_ACTOR);
    await server.container.groups.addMember(group.id, { type: 'account', id: reader.id }, TEST_ACTOR);
    await server.container.roles.assign(role.id, { type: 'group', id: group.id }, TEST_ACTOR);
    const grant = await server.container.objectGrants.createObjectGrant({ subject: { type: 'group', id: group.id }, permissionId: ids['things:read'], object: 'thing:1' }, TEST_ACTOR);
    Object.assign(values, { resourceId: resource.id, permissionId: ids['things:read'], roleId: role.id, groupId: group.id, grantId: grant.id });
    posts = appRouters(server.container).flatMap((router) =>
      router.stack.flatMap((layer) => (layer.methods.includes('POST') && SECTIONS.test(String(layer.path)) ? [String(layer.path)] : [])),
    );
  });
  afterAll(() => server.close());

  const fill = (path: string) => path.replace(/:(\w+)/g, (_match, name: string) => values[name]);
  /** What each form would change if it accepted the post. */
  const fields = {
    name: 'Mallory', description: 'changed', identifier: 'https://mallory.example.com', token_format: 'opaque', account: 'writer@example.com',
    group_id: '', role_id: '', type: 'account', member_id: '', permission_id: '', subject_type: 'group', group: '', permission: '', object: 'thing:2',
  };
  const formFor = (path: string) => ({
    ...fields,
    member_id: path.endsWith('remove-member') ? reader.id : '',
    role_id: values.roleId,
    permission_id: values.permissionId,
    group: values.groupId,
    permission: values.permissionId,
  });

  /** A form post with its path exactly as written (no dot-segment resolution), as a hand-made request could send it. */
  function rawPost(path: string, body: string, cookie: string): Promise<number> {
    const { hostname, port } = new URL(server.issuer);
    return new Promise((resolve, reject) => {
      const request = http.request({ hostname, port, path, method: 'POST', headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  async function state(): Promise<string> {
    const { db } = server.container;
    const rows = [];
    for (const table of ['api_resources', 'permissions', 'roles', 'role_permissions', 'role_assignments', 'groups', 'group_members', 'object_grants']) {
      const result = await db.raw('select to_jsonb(t)::text as row from ?? t order by 1', [table]);
      rows.push(...(result.rows as Array<{ row: string }>).map((row) => `${table} ${row.row}`));
    }
    return rows.join('\n');
  }

  it('covers every form route of the four sections', () => {
    expect(posts.sort()).toEqual([
      '/admin/groups/:groupId/add-group', '/admin/groups/:groupId/add-member', '/admin/groups/:groupId/add-role', '/admin/groups/:groupId/delete', '/admin/groups/:groupId/edit',
      '/admin/groups/:groupId/remove-member', '/admin/groups/:groupId/remove-role', '/admin/groups/new',
      '/admin/object-grants/:grantId/delete', '/admin/object-grants/new',
      '/admin/resources/:resourceId/add-permission', '/admin/resources/:resourceId/delete', '/admin/resources/:resourceId/edit',
      '/admin/resources/:resourceId/permissions/:permissionId/edit', '/admin/resources/:resourceId/permissions/:permissionId/remove', '/admin/resources/new',
      '/admin/roles/:roleId/add-permission', '/admin/roles/:roleId/delete', '/admin/roles/:roleId/edit', '/admin/roles/:roleId/remove-permission', '/admin/roles/new',
    ]);
  });

  it('shows a reader every page without a change button, and refuses each change with 403', async () => {
    const { agent, page } = await signInToConsole(server, reader, clock, '/admin/resources');
    expect(page.status).toBe(200);
    const pages = [
      '/admin/resources', `/admin/resources/${values.resourceId}`, `/admin/resources/${values.resourceId}/permissions/${values.permissionId}`,
      '/admin/roles', `/admin/roles/${values.roleId}`, '/admin/groups', `/admin/groups/${values.groupId}`, '/admin/object-grants', `/admin/object-grants/${values.grantId}`,
    ];
    for (const path of pages) {
      const shown = await agent.request(`${server.issuer}${path}`);
      expect({ path, status: shown.status }).toEqual({ path, status: 200 });
      // The only forms a reader gets are the sign-out and the language switch, which changes nothing in the console (and the list filter, a GET).
      expect({ path, forms: shown.body.match(/<form method="post" action="[^"]+"/g) }).toEqual({ path, forms: ['<form method="post" action="/admin/sign-out"', '<form method="post" action="/account/language"'] });
      expect(shown.body).not.toMatch(/Register an API|Create a role|Create a group|Grant a permission on an object|Delete [a-z]+…|Remove permission…|Revoke grant…/);
    }
    const before = await state();
    const csrf = UserAgent.field(page, 'csrf');
    for (const path of posts) {
      const refused = await agent.request(`${server.issuer}${fill(path)}`, { form: { csrf, ...formFor(path) } });
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expect(refused.body).toContain('admin:write');
    }
    expect(await state()).toBe(before);
  });

  it('lets no id typed as `..` reach another admin API route (a delete without its confirmation)', async () => {
    const { agent, page } = await signInToConsole(server, writer, clock, `/admin/groups/${values.groupId}`);
    const csrf = UserAgent.field(page, 'csrf');
    const victim = await server.container.accounts.createAccount({ email: 'victim@example.com', password: 'a long enough password', emailVerified: true });
    const before = await state();
    for (const dots of ['..', '.', '%2E%2E', '%2e.']) {
      const value = decodeURIComponent(dots);
      // DELETE /groups/:id/roles/.. would be DELETE /groups/:id, and /roles/:id/permissions/.. DELETE /roles/:id.
      for (const [path, form] of [
        [`/admin/groups/${values.groupId}/remove-role`, { role_id: value }],
        [`/admin/groups/${values.groupId}/remove-member`, { type: 'group', member_id: value }],
        [`/admin/roles/${values.roleId}/remove-permission`, { permission_id: value }],
      ] as const) {
        const refused = await agent.request(`${server.issuer}${path}`, { form: { csrf, ...form } });
        expect({ path, value, status: refused.status }).toEqual({ path, value, status: 400 });
      }
      // A path parameter decoded to `..` (sent as typed: fetch would resolve it first): ending "its session" would have deleted the account.
      const session = await rawPost(`/admin/accounts/${victim.id}/sessions/${dots}/end`, `csrf=${encodeURIComponent(csrf)}`, await agent.jar.getCookieString(`${server.issuer}/admin`));
      expect({ dots, status: session }).toEqual({ dots, status: 404 });
    }
    expect(await state()).toBe(before);
    expect(await server.container.accounts.findById(victim.id)).toBeDefined();
  });

  it('refuses a writer’s post without the CSRF token, or with a forged one, and changes nothing', async () => {
    const { agent, page } = await signInToConsole(server, writer, clock, '/admin/groups');
    const token = UserAgent.field(page, 'csrf');
    const before = await state();
    for (const path of posts) {
      for (const csrf of [undefined, '', `${token.slice(0, -2)}xx`]) {
        const form = csrf === undefined ? formFor(path) : { ...formFor(path), csrf };
        const refused = await agent.request(`${server.issuer}${fill(path)}`, { form });
        expect({ path, csrf, status: refused.status }).toEqual({ path, csrf, status: 403 });
        expect(refused.body).toContain('This form has expired');
      }
    }
    expect(await state()).toBe(before);
    // The token itself works: the refusals were about it, not the form.
    const done = await agent.request(`${server.issuer}/admin/groups/${values.groupId}/edit`, { form: { csrf: token, name: 'Renamed group' } });
    expect(done.url).toContain('?done=group-saved');
  });
});
