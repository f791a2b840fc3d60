import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { AppError } from '../errors/app-error.js';
import { requireCsrf } from '../http/csrf.js';
import { isUuid } from '../rbac/subjects.js';
import { fail, fieldErrorOf, loadAccount, text, type Account, type Page } from './account-kit.js';
import { query, type AdminApi } from './admin-api.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { msg, type Msg } from '../i18n/catalogs.js';

/** The most roles, groups and attributes the pickers offer (the admin API's largest page). */
const PICK_LIMIT = 200;

interface Named {
  id: string;
  name: string;
  description: string | null;
}

interface Attribute {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'date' | 'enum' | 'string_list';
  label: string | null;
  description: string | null;
  required: boolean;
  rule: { options?: string[] };
  status: 'active' | 'deprecated';
}

type Value = string | number | boolean | string[];

/**
 * An account's roles and groups (picked from the existing ones), and its attribute values (validated
 * by the admin API against the profile schema: a refused value comes back next to its field, with
 * the form as typed and nothing saved).
 */
export function accountMembershipPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;

  async function list<T>(api: AdminApi, path: string): Promise<T[]> {
    const answer = await api.call<Page<T>>('GET', `${path}${query({ limit: PICK_LIMIT })}`);
    if (answer.status !== 200) fail(answer);
    return answer.body.items;
  }

  // Roles and groups
  router.get('/admin/accounts/:accountId/access', read, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const held = await list<{ role_id: string; role: string; created_at: string }>(api, `/accounts/${account.id}/roles`);
    const roles = await list<Named>(api, '/roles');
    const groups = await list<Named & { added_at: string }>(api, `/accounts/${account.id}/groups`);
    const allGroups = await list<Named>(api, '/groups');
    showPage(deps, ctx, 'console-account-access', 'accounts', {
      title: msg('console.accounts.access.title', { email: account.email }), account, tab: 'access',
      held, roles: roles.filter((role) => !held.some((holding) => holding.role_id === role.id)),
      groups, otherGroups: allGroups.filter((group) => !groups.some((member) => member.id === group.id)),
    });
  });

  const idFrom = (ctx: Context, field: 'role' | 'group') => {
    const id = text((ctx.request.body as Record<string, unknown>)[field]);
    if (!isUuid(id)) throw new AppError('NOT_FOUND', 404, `There is no ${field} with this id.`, { i18n: { key: field === 'role' ? 'console.accounts.errors.noRole' : 'console.accounts.errors.noGroup' } });
    return id;
  };
  const membership: Record<string, { field: 'role' | 'group'; call: (api: AdminApi, account: Account, id: string) => ReturnType<AdminApi['call']>; done: string }> = {
    'add-role': { field: 'role', call: (api, account, id) => api.call('PUT', `/accounts/${account.id}/roles/${id}`), done: 'role-assigned' },
    'remove-role': { field: 'role', call: (api, account, id) => api.call('DELETE', `/accounts/${account.id}/roles/${id}`), done: 'role-removed' },
    'add-group': { field: 'group', call: (api, account, id) => api.call('PUT', `/groups/${id}/members/accounts/${account.id}`), done: 'group-joined' },
    'remove-group': { field: 'group', call: (api, account, id) => api.call('DELETE', `/groups/${id}/members/accounts/${account.id}`), done: 'group-left' },
  };
  for (const [action, change] of Object.entries(membership)) {
    router.post(`/admin/accounts/:accountId/access/${action}`, forms, requireCsrf(), write, async (ctx) => {
      const { api, account } = await loadAccount(deps, ctx);
      const answer = await change.call(api, account, idFrom(ctx, change.field));
      if (answer.status !== 204) fail(answer);
      seeOther(ctx, `/admin/accounts/${account.id}/access?done=${change.done}`);
    });
  }

  // Attributes
  async function attributePage(ctx: Context, api: AdminApi, account: Account, form?: Record<string, string>, error?: { field: string; message: Msg }) {
    const definitions = await list<Attribute>(api, '/attributes');
    const values = await api.call<{ attributes: Record<string, Value> }>('GET', `/accounts/${account.id}/attributes`);
    if (values.status !== 200) fail(values);
    const typed = form ?? Object.fromEntries(Object.entries(values.body.attributes).map(([name, value]) => [name, Array.isArray(value) ? value.join('\n') : String(value)]));
    showPage(deps, ctx, 'console-account-attributes', 'accounts', {
      title: msg('console.accounts.attributes.title', { email: account.email }), account, tab: 'attributes', definitions, form: typed, error,
    }, error ? 400 : 200);
  }

  router.get('/admin/accounts/:accountId/attributes', read, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    await attributePage(ctx, api, account);
  });

  router.post('/admin/accounts/:accountId/attributes/save', forms, requireCsrf(), write, async (ctx) => {
    const { api, account } = await loadAccount(deps, ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const definitions = (await list<Attribute>(api, '/attributes')).filter((definition) => definition.status === 'active');
    const form = Object.fromEntries(definitions.map((definition) => [definition.name, text(body[`attr_${definition.name}`]).slice(0, 20_000)]));
    const changes = Object.fromEntries(definitions.map((definition) => [definition.name, valueOf(definition, form[definition.name])]));
    const answer = await api.call('PATCH', `/accounts/${account.id}/attributes`, { attributes: changes });
    const problem = fieldErrorOf(answer);
    if (problem) return attributePage(ctx, api, account, form, problem);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `/admin/accounts/${account.id}/attributes?done=attributes-saved`);
  });
}

/**
 * A form field as the value the admin API expects: empty removes it (null), a list is one item per
 * line, a number or a yes/no is converted when it is one. Anything else is sent as typed, so the API's
 * own rule names what is wrong.
 */
function valueOf(definition: Attribute, typed: string): Value | null {
  const value = definition.type === 'string_list' ? typed : typed.trim();
  if (value.trim() === '') return null;
  if (definition.type === 'string_list') return value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (definition.type === 'number') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (definition.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}
