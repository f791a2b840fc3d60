import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import type { AdminApi } from './admin-api.js';
import { apiOf, bodyOf, confirmPage, fail, formErrorOf, id, lines, listPage, text, type FormError } from './authz-kit.js';
import { showPage } from './page-kit.js';
import type { permissionSchema, resourceSchema } from '../admin/schemas.js';
import type { ConsoleRouteDeps } from './routes.js';

/** What the admin API answers, as its own schemas declare it. */
type Resource = z.infer<typeof resourceSchema>;
type Permission = z.infer<typeof permissionSchema>;

/** The API form as typed, so a refused form comes back as it was sent. */
interface ApiForm {
  identifier: string;
  name: string;
  description: string;
  access_token_ttl: string;
  token_format: string;
  resource_servers: string;
}

const formOf = (body: Record<string, unknown>): ApiForm => ({
  identifier: text(body.identifier).trim(),
  name: text(body.name).trim(),
  description: text(body.description, 1000).trim(),
  access_token_ttl: text(body.access_token_ttl, 20).trim(),
  token_format: text(body.token_format, 20),
  resource_servers: text(body.resource_servers, 10_000),
});

const formFromResource = (resource: Resource): ApiForm => ({
  identifier: resource.identifier,
  name: resource.name,
  description: resource.description ?? '',
  access_token_ttl: resource.access_token_ttl === null ? '' : String(resource.access_token_ttl),
  token_format: resource.token_format,
  resource_servers: resource.resource_server_client_ids.join('\n'),
});

/** A number of seconds, or the text as typed so the admin API names the field when it is not one. */
const seconds = (value: string) => (/^\d{1,12}$/.test(value) ? Number(value) : value);

/** The body the admin API takes, from the form (empty TTL: the server's default; on edit, null clears it). */
function settingsOf(form: ApiForm, editing: boolean) {
  return {
    name: form.name,
    description: form.description || null,
    ...(form.access_token_ttl === '' ? (editing ? { access_token_ttl: null } : {}) : { access_token_ttl: seconds(form.access_token_ttl) }),
    token_format: form.token_format,
    resource_server_client_ids: lines(form.resource_servers),
  };
}

/** The form's field names for the API's: a refused resource server is shown next to the list. */
const onForm = (error: FormError): FormError => (error.field === 'resource_server_client_ids' ? { ...error, field: 'resource_servers' } : error);

/**
 * APIs and permissions: the API resources tokens are issued for (RFC 8707 identifiers), their token
 * settings (lifetime, format, resource servers) and the permissions each declares. The server's own
 * APIs are listed read-only (the admin API refuses to change them). Every change is an admin API call
 * with the operator's token.
 */
export function apiPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;

  router.get('/admin/resources', read, async (ctx) => {
    const page = await listPage<Resource>(ctx, apiOf(deps, ctx), '/resources', '/admin/resources');
    if (page) showPage(deps, ctx, 'console-apis', 'apis', { title: 'console.apis.title', apis: page.items, nextHref: page.nextHref, firstPage: page.firstPage });
  });

  const blank: ApiForm = { identifier: '', name: '', description: '', access_token_ttl: '', token_format: 'jwt', resource_servers: '' };
  router.get('/admin/resources/new', read, (ctx) => {
    showPage(deps, ctx, 'console-api-new', 'apis', { title: 'console.apis.register', form: blank });
  });

  router.post('/admin/resources/new', forms, requireCsrf(), write, async (ctx) => {
    const form = formOf(bodyOf(ctx));
    const settings = settingsOf(form, false);
    const answer = await apiOf(deps, ctx).call<Resource>('POST', '/resources', { identifier: form.identifier, ...settings, name: form.name || undefined });
    const refused = formErrorOf(answer, 'api');
    if (refused) return showPage(deps, ctx, 'console-api-new', 'apis', { title: 'console.apis.register', form, error: onForm(refused.error) }, refused.status);
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/resources/${id(answer.body.id)}?done=api-created`);
  });

  async function loadApi(ctx: Context): Promise<{ api: AdminApi; resource: Resource }> {
    const api = apiOf(deps, ctx);
    const answer = await api.call<Resource>('GET', `/resources/${id(ctx.params.resourceId)}`);
    if (answer.status !== 200) fail(answer);
    return { api, resource: answer.body };
  }
  const editable = (resource: Resource) => {
    if (resource.system) throw new AppError('SYSTEM_RESOURCE', 409, 'This API belongs to the server itself and cannot be changed.', { i18n: { key: 'console.apis.systemRefused' } });
  };

  async function showApi(ctx: Context, api: AdminApi, resource: Resource, extra: Record<string, unknown> = {}, status = 200) {
    const page = await listPage<Permission>(ctx, api, `/resources/${id(resource.id)}/permissions`, `/admin/resources/${id(resource.id)}`, 50);
    if (!page) return;
    showPage(deps, ctx, 'console-api', 'apis', {
      title: resource.name, resource, form: formFromResource(resource), permissionForm: { name: '', description: '' },
      permissions: page.items, nextHref: page.nextHref, firstPage: page.firstPage, ...extra,
    }, status);
  }

  router.get('/admin/resources/:resourceId', read, async (ctx) => {
    const { api, resource } = await loadApi(ctx);
    await showApi(ctx, api, resource);
  });

  router.post('/admin/resources/:resourceId/edit', forms, requireCsrf(), write, async (ctx) => {
    const { api, resource } = await loadApi(ctx);
    editable(resource);
    const form = { ...formOf(bodyOf(ctx)), identifier: resource.identifier };
    const answer = await api.call('PATCH', `/resources/${id(resource.id)}`, { ...settingsOf(form, true), name: form.name });
    const refused = formErrorOf(answer, 'api');
    if (refused) return showApi(ctx, api, resource, { form, error: onForm(refused.error) }, refused.status);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `/admin/resources/${id(resource.id)}?done=api-saved`);
  });

  router.post('/admin/resources/:resourceId/add-permission', forms, requireCsrf(), write, async (ctx) => {
    const { api, resource } = await loadApi(ctx);
    editable(resource);
    const body = bodyOf(ctx);
    const permissionForm = { name: text(body.name, 200).trim(), description: text(body.description, 1000).trim() };
    const answer = await api.call('POST', `/resources/${id(resource.id)}/permissions`, { name: permissionForm.name, ...(permissionForm.description ? { description: permissionForm.description } : {}) });
    const refused = formErrorOf(answer, 'permission');
    if (refused) return showApi(ctx, api, resource, { permissionForm, error: refused.error }, refused.status);
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/resources/${id(resource.id)}?done=permission-added`);
  });

  router.get('/admin/resources/:resourceId/delete', read, async (ctx) => {
    const { resource } = await loadApi(ctx);
    editable(resource);
    const confirmation = { heading: 'console.apis.confirm.delete.heading', message: 'console.apis.confirm.delete.message', button: 'console.apis.confirm.delete.button' };
    confirmPage(deps, ctx, 'apis', confirmation, `${resource.name} (${resource.identifier})`, `/admin/resources/${id(resource.id)}/delete`, `/admin/resources/${id(resource.id)}`);
  });

  router.post('/admin/resources/:resourceId/delete', forms, requireCsrf(), write, async (ctx) => {
    const { api, resource } = await loadApi(ctx);
    editable(resource);
    const answer = await api.call('DELETE', `/resources/${id(resource.id)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/resources?done=api-deleted');
  });

  // One permission: its own page to describe it, and its removal behind a confirmation.
  async function loadPermission(ctx: Context) {
    const { api, resource } = await loadApi(ctx);
    const answer = await api.call<Permission>('GET', `/resources/${id(resource.id)}/permissions/${id(ctx.params.permissionId)}`);
    if (answer.status !== 200) fail(answer);
    return { api, resource, permission: answer.body };
  }
  const permissionPath = (resource: Resource, permission: Permission) => `/admin/resources/${id(resource.id)}/permissions/${id(permission.id)}`;

  router.get('/admin/resources/:resourceId/permissions/:permissionId', read, async (ctx) => {
    const { resource, permission } = await loadPermission(ctx);
    showPage(deps, ctx, 'console-api-permission', 'apis', { title: permission.name, resource, permission, form: { description: permission.description ?? '' } });
  });

  router.post('/admin/resources/:resourceId/permissions/:permissionId/edit', forms, requireCsrf(), write, async (ctx) => {
    const { api, resource, permission } = await loadPermission(ctx);
    editable(resource);
    const form = { description: text(bodyOf(ctx).description, 1000).trim() };
    const answer = await api.call('PATCH', `/resources/${id(resource.id)}/permissions/${id(permission.id)}`, { description: form.description || null });
    const refused = formErrorOf(answer, 'permission');
    if (refused) return showPage(deps, ctx, 'console-api-permission', 'apis', { title: permission.name, resource, permission, form, error: refused.error }, refused.status);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `${permissionPath(resource, permission)}?done=permission-saved`);
  });

  router.get('/admin/resources/:resourceId/permissions/:permissionId/remove', read, async (ctx) => {
    const { resource, permission } = await loadPermission(ctx);
    editable(resource);
    const confirmation = { heading: 'console.apis.confirm.remove.heading', message: 'console.apis.confirm.remove.message', button: 'console.apis.confirm.remove.button' };
    // The subject is data only (no English word between the names): the page shows it untranslated.
    confirmPage(deps, ctx, 'apis', confirmation, `${permission.name} (${resource.name})`, `${permissionPath(resource, permission)}/remove`, permissionPath(resource, permission));
  });

  router.post('/admin/resources/:resourceId/permissions/:permissionId/remove', forms, requireCsrf(), write, async (ctx) => {
    const { api, resource, permission } = await loadPermission(ctx);
    editable(resource);
    const answer = await api.call('DELETE', `/resources/${id(resource.id)}/permissions/${id(permission.id)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/resources/${id(resource.id)}?done=permission-removed`);
  });
}
