import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import type { AdminApi } from './admin-api.js';
import { apiOf, bodyOf, confirmPage, fail, formErrorOf, id, listPage, permissionChoices, text, type FormError } from './authz-kit.js';
import { showPage } from './page-kit.js';
import type { roleAssignmentSchema, roleDetailSchema } from '../admin/schemas.js';
import type { ConsoleRouteDeps } from './routes.js';

/** What the admin API answers, as its own schemas declare it. */
type Role = z.infer<typeof roleDetailSchema>;
type Assignment = z.infer<typeof roleAssignmentSchema>;

const HOLDER_PAGE = 25;

const roleForm = (body: Record<string, unknown>) => ({ name: text(body.name, 200).trim(), description: text(body.description, 1000).trim() });

/** Where a holder is shown in the console, and the name it goes by (looked up through the admin API). */
async function describeHolder(api: AdminApi, holder: Assignment) {
  const paths = { account: ['/accounts', '/admin/accounts'], group: ['/groups', '/admin/groups'], client: ['/clients', '/admin/clients'] } as const;
  const [apiPath, pagePath] = paths[holder.subject_type];
  const answer = await api.call<{ email?: string; name?: string }>('GET', `${apiPath}/${id(holder.subject_id)}`);
  const name = answer.status === 200 ? (answer.body.email ?? answer.body.name ?? holder.subject_id) : holder.subject_id;
  return { ...holder, name, href: `${pagePath}/${id(holder.subject_id)}` };
}

/**
 * Roles: named sets of permissions across APIs. The list, creation, renaming, deletion behind a
 * confirmation, the permissions a role holds (picked from every API's permissions), and who holds
 * it directly (accounts, groups, machine clients), each through the admin API with the operator's
 * token.
 */
export function rolePages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;

  router.get('/admin/roles', read, async (ctx) => {
    const page = await listPage<Role>(ctx, apiOf(deps, ctx), '/roles', '/admin/roles');
    if (page) showPage(deps, ctx, 'console-roles', 'roles', { title: 'console.roles.title', roles: page.items, nextHref: page.nextHref, firstPage: page.firstPage });
  });

  router.get('/admin/roles/new', read, (ctx) => {
    showPage(deps, ctx, 'console-role-new', 'roles', { title: 'console.roles.create', form: { name: '', description: '' } });
  });

  router.post('/admin/roles/new', forms, requireCsrf(), write, async (ctx) => {
    const form = roleForm(bodyOf(ctx));
    const answer = await apiOf(deps, ctx).call<Role>('POST', '/roles', { name: form.name, ...(form.description ? { description: form.description } : {}) });
    const refused = formErrorOf(answer, 'role');
    if (refused) return showPage(deps, ctx, 'console-role-new', 'roles', { title: 'console.roles.create', form, error: refused.error }, refused.status);
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/roles/${id(answer.body.id)}?done=role-created`);
  });

  async function loadRole(ctx: Context): Promise<{ api: AdminApi; role: Role }> {
    const api = apiOf(deps, ctx);
    const answer = await api.call<Role>('GET', `/roles/${id(ctx.params.roleId)}`);
    if (answer.status !== 200) fail(answer);
    return { api, role: answer.body };
  }

  async function showRole(ctx: Context, api: AdminApi, role: Role, extra: { form?: ReturnType<typeof roleForm>; error?: FormError } = {}, status = 200) {
    const page = await listPage<Assignment>(ctx, api, `/roles/${id(role.id)}/assignments`, `/admin/roles/${id(role.id)}`, HOLDER_PAGE);
    if (!page) return;
    const holders = [];
    for (const holder of page.items) holders.push(await describeHolder(api, holder));
    const held = new Set(role.permissions.map((permission) => permission.permission_id));
    const operator = ctx.state.operator as { canWrite: boolean };
    // The picker leaves out what the role already holds; a read-only operator gets no picker at all.
    const choices = operator.canWrite
      ? (await permissionChoices(api)).map((choice) => ({ ...choice, permissions: choice.permissions.filter((permission) => !held.has(permission.id)) })).filter((choice) => choice.permissions.length)
      : [];
    showPage(deps, ctx, 'console-role', 'roles', {
      title: role.name, role, form: extra.form ?? { name: role.name, description: role.description ?? '' }, error: extra.error,
      choices, holders, nextHref: page.nextHref, firstPage: page.firstPage,
    }, status);
  }

  router.get('/admin/roles/:roleId', read, async (ctx) => {
    const { api, role } = await loadRole(ctx);
    await showRole(ctx, api, role);
  });

  router.post('/admin/roles/:roleId/edit', forms, requireCsrf(), write, async (ctx) => {
    const { api, role } = await loadRole(ctx);
    const form = roleForm(bodyOf(ctx));
    const answer = await api.call('PATCH', `/roles/${id(role.id)}`, { name: form.name, description: form.description || null });
    const refused = formErrorOf(answer, 'role');
    if (refused) return showRole(ctx, api, role, { form, error: refused.error }, refused.status);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `/admin/roles/${id(role.id)}?done=role-saved`);
  });

  router.post('/admin/roles/:roleId/add-permission', forms, requireCsrf(), write, async (ctx) => {
    const { api, role } = await loadRole(ctx);
    const permissionId = text(bodyOf(ctx).permission_id, 100);
    if (!permissionId) return showRole(ctx, api, role, { error: { form: 'add-permission', field: 'permission_id', message: 'console.roles.choosePermissionToAdd' } }, 400);
    const answer = await api.call('PUT', `/roles/${id(role.id)}/permissions/${id(permissionId)}`);
    const refused = formErrorOf(answer, 'add-permission');
    if (refused) return showRole(ctx, api, role, { error: { ...refused.error, field: 'permission_id' } }, refused.status);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/roles/${id(role.id)}?done=role-permission-added`);
  });

  // Taking one permission out is undone by adding it again, so it needs no confirmation page.
  router.post('/admin/roles/:roleId/remove-permission', forms, requireCsrf(), write, async (ctx) => {
    const { api, role } = await loadRole(ctx);
    const answer = await api.call('DELETE', `/roles/${id(role.id)}/permissions/${id(text(bodyOf(ctx).permission_id, 100) || '-')}`);
    const refused = formErrorOf(answer, 'permissions');
    if (refused) return showRole(ctx, api, role, { error: refused.error }, refused.status);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/roles/${id(role.id)}?done=role-permission-removed`);
  });

  router.get('/admin/roles/:roleId/delete', read, async (ctx) => {
    const { role } = await loadRole(ctx);
    const confirmation = { heading: 'console.roles.deleteHeading', message: 'console.roles.deleteMessage', button: 'console.roles.deleteButton' };
    confirmPage(deps, ctx, 'roles', confirmation, role.name, `/admin/roles/${id(role.id)}/delete`, `/admin/roles/${id(role.id)}`);
  });

  router.post('/admin/roles/:roleId/delete', forms, requireCsrf(), write, async (ctx) => {
    const { api, role } = await loadRole(ctx);
    const answer = await api.call('DELETE', `/roles/${id(role.id)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/roles?done=role-deleted');
  });
}
