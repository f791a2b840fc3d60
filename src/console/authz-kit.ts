import type { Context } from 'koa';
import { query, type AdminApi, type ApiAnswer, type Problem } from './admin-api.js';
import { fail, type Page } from './section-kit.js';
import { msg, type Text } from '../i18n/catalogs.js';

export { apiOf, confirmPage, cursorOf, fail, lines, listPage, PAGE_SIZE, text, type Page } from './section-kit.js';

/**
 * What the access-control sections (APIs, roles, groups, object grants) share beyond section-kit.ts:
 * the admin API's refusals as a message for one of a page's several forms, lists through its cursors,
 * the permission picker that roles and object grants both offer, and an account named by email or id.
 */

/**
 * A message placed on the page: `form` names which form of the page it belongs to, `field` the input;
 * `message` is a catalog key or message (templates show it with `it.t`).
 */
export interface FormError {
  form: string;
  field: string;
  message: Text;
}

/**
 * A refusal the operator can fix on the spot (400 bad input, 409 a name taken or a loop, 404 an
 * account or group named in the form that does not exist) as a message for `form`, with the status
 * the page is shown with. Anything else is not the form's fault: undefined. The API's reason is
 * English (the API's language) inside a sentence from the catalogs; `reason` is that English reason
 * for code that tells refusals apart.
 */
export function formErrorOf(answer: ApiAnswer<unknown>, form: string): { error: FormError; status: number; reason: string } | undefined {
  if (![400, 404, 409].includes(answer.status)) return undefined;
  const problem = answer.body as Problem;
  const field = (problem.field ?? '').split(/[.[]/)[0] || 'form';
  const detail = (problem.detail ?? '').replace(/^[\w.[\]]+: /, '');
  const reason = detail.charAt(0).toUpperCase() + detail.slice(1);
  return { error: { form, field, message: msg('console.common.notAccepted', { reason }) }, status: answer.status === 404 ? 400 : answer.status, reason };
}

/** The message for an account typed into a form that the admin API does not know (by email or by id). */
export const noSuchAccount = (typed: string) => (typed.includes('@') ? 'console.authz.noAccountWithEmail' : 'console.authz.noAccountWithId');

export const bodyOf = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;
export const id = (value: string) => encodeURIComponent(value);


/** Every item of a list, for a picker, up to `max` (the API's largest page). */
export async function listAll<T>(api: AdminApi, path: string, max = 200): Promise<T[]> {
  const answer = await api.call<Page<T>>('GET', `${path}${query({ limit: max })}`);
  if (answer.status !== 200) fail(answer);
  return answer.body.items;
}

interface PermissionRow {
  id: string;
  name: string;
  description: string | null;
}

export interface PermissionChoice {
  api: { id: string; name: string; identifier: string };
  permissions: PermissionRow[];
}

/**
 * The permissions an operator can pick, grouped by API (an optgroup each). The first 50 APIs with up
 * to 200 permissions each: beyond that the admin API takes ids directly.
 */
export async function permissionChoices(api: AdminApi): Promise<PermissionChoice[]> {
  const resources = await listAll<{ id: string; name: string; identifier: string }>(api, '/resources', 50);
  const choices: PermissionChoice[] = [];
  for (const resource of resources) {
    const permissions = await listAll<PermissionRow>(api, `/resources/${id(resource.id)}/permissions`);
    if (permissions.length) choices.push({ api: { id: resource.id, name: resource.name, identifier: resource.identifier }, permissions });
  }
  return choices;
}

/**
 * An account named by id or by email, as the admin API knows it. Undefined when there is none, so the
 * form can say so (the API answers an unknown id with 404 too).
 */
export async function findAccount(api: AdminApi, idOrEmail: string): Promise<{ id: string; email: string } | undefined> {
  const wanted = idOrEmail.trim();
  if (!wanted) return undefined;
  if (!wanted.includes('@')) {
    const answer = await api.call<{ id: string; email: string }>('GET', `/accounts/${id(wanted)}`);
    if (answer.status === 200) return answer.body;
    if (answer.status === 404 || answer.status === 400) return undefined;
    fail(answer);
  }
  const answer = await api.call<Page<{ id: string; email: string }>>('GET', `/accounts${query({ email: wanted.slice(0, 254), limit: 1 })}`);
  if (answer.status === 400) return undefined;
  if (answer.status !== 200) fail(answer);
  return answer.body.items[0];
}
