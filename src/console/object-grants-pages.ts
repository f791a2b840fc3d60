import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { query, type AdminApi } from './admin-api.js';
import { apiOf, bodyOf, confirmPage, cursorOf, fail, findAccount, formErrorOf, id, listAll, noSuchAccount, permissionChoices, PAGE_SIZE, text, type FormError, type Page } from './authz-kit.js';
import { msg, type Text } from '../i18n/catalogs.js';
import { showPage } from './page-kit.js';
import type { objectGrantSchema } from '../admin/schemas.js';
import type { ConsoleRouteDeps } from './routes.js';

/** What the admin API answers, as its own schema declares it. */
type ObjectGrant = z.infer<typeof objectGrantSchema>;

/** The list's filters, as typed: an account by email or id, a group, a permission, an object. */
interface Filter {
  account: string;
  group: string;
  permission: string;
  object: string;
}

interface GrantForm {
  subject_type: string;
  account: string;
  group: string;
  permission: string;
  object: string;
}

/** The admin API's names for the fields, and the console form's. */
const FIELD_OF: Record<string, string> = { account_id: 'account', group_id: 'group', permission_id: 'permission', object: 'object', subject_id: 'account' };

const filterOf = (ctx: Context): Filter => {
  const value = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim().slice(0, 300) : '');
  return { account: value('account'), group: value('group'), permission: value('permission'), object: value('object') };
};

/** The subject's name and its page in the console (through the admin API; an id when it cannot be read). */
async function describeSubjects(api: AdminApi, grants: ObjectGrant[]) {
  const names = new Map<string, string>();
  for (const grant of grants) {
    const key = `${grant.subject_type}:${grant.subject_id}`;
    if (names.has(key)) continue;
    const answer = await api.call<{ email?: string; name?: string }>('GET', `/${grant.subject_type === 'account' ? 'accounts' : 'groups'}/${id(grant.subject_id)}`);
    names.set(key, answer.status === 200 ? (answer.body.email ?? answer.body.name ?? grant.subject_id) : grant.subject_id);
  }
  return grants.map((grant) => ({
    ...grant,
    subject_name: names.get(`${grant.subject_type}:${grant.subject_id}`)!,
    subject_href: `/admin/${grant.subject_type === 'account' ? 'accounts' : 'groups'}/${id(grant.subject_id)}`,
  }));
}

/**
 * Object grants: one permission on one object (`document:42`) for an account or a group. The list
 * filters as the admin API does (account, group, permission, object) with its cursors; creation
 * names the account by email or id; revoking asks first. Every change is an admin API call with the
 * operator's token.
 */
export function objectGrantPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;

  router.get('/admin/object-grants', read, async (ctx) => {
    const api = apiOf(deps, ctx);
    const filter = filterOf(ctx);
    const cursor = cursorOf(ctx);
    const [groups, choices] = [await listAll<{ id: string; name: string }>(api, '/groups'), await permissionChoices(api)];
    const show = (data: { grants: unknown[]; error?: FormError; nextHref?: string }, status = 200) =>
      showPage(deps, ctx, 'console-object-grants', 'object-grants', { title: 'console.objectGrants.title', filter, groups, choices, firstPage: !cursor, filtered: Object.values(filter).some(Boolean), ...data }, status);

    let accountId: string | undefined;
    if (filter.account) {
      const account = await findAccount(api, filter.account);
      if (!account) return show({ grants: [], error: { form: 'filter', field: 'account', message: noSuchAccount(filter.account) } }, 400);
      accountId = account.id;
    }
    const answer = await api.call<Page<ObjectGrant>>('GET', `/object-grants${query({ limit: PAGE_SIZE, cursor, account_id: accountId, group_id: filter.group, permission_id: filter.permission, object: filter.object })}`);
    if (answer.status === 400) {
      const refused = formErrorOf(answer, 'filter')!;
      if (refused.error.field === 'cursor') return seeOther(ctx, `/admin/object-grants${query({ ...filter })}`);
      return show({ grants: [], error: { ...refused.error, field: FIELD_OF[refused.error.field] ?? 'form' } }, 400);
    }
    if (answer.status !== 200) fail(answer);
    const nextHref = answer.body.next_cursor ? `/admin/object-grants${query({ ...filter, cursor: answer.body.next_cursor })}` : undefined;
    show({ grants: await describeSubjects(api, answer.body.items), nextHref });
  });

  async function showForm(ctx: Context, api: AdminApi, form: GrantForm, error?: FormError, status = 200) {
    const [groups, choices] = [await listAll<{ id: string; name: string }>(api, '/groups'), await permissionChoices(api)];
    showPage(deps, ctx, 'console-object-grant-new', 'object-grants', { title: 'console.objectGrants.create', form, groups, choices, error }, status);
  }

  router.get('/admin/object-grants/new', read, async (ctx) => {
    await showForm(ctx, apiOf(deps, ctx), { subject_type: 'account', account: '', group: '', permission: '', object: '' });
  });

  router.post('/admin/object-grants/new', forms, requireCsrf(), write, async (ctx) => {
    const api = apiOf(deps, ctx);
    const body = bodyOf(ctx);
    const form: GrantForm = {
      subject_type: body.subject_type === 'group' ? 'group' : 'account',
      account: text(body.account, 254).trim(), group: text(body.group, 100), permission: text(body.permission, 100), object: text(body.object, 400).trim(),
    };
    const refuse = (field: string, message: Text) => showForm(ctx, api, form, { form: 'grant', field, message }, 400);
    let subjectId = form.group;
    if (form.subject_type === 'account') {
      if (!form.account) return refuse('account', 'console.authz.enterAccount');
      const account = await findAccount(api, form.account);
      if (!account) return refuse('account', noSuchAccount(form.account));
      subjectId = account.id;
    } else if (!subjectId) return refuse('group', 'console.objectGrants.chooseGroup');
    if (!form.permission) return refuse('permission', 'console.objectGrants.choosePermission');
    const answer = await api.call<ObjectGrant>('POST', '/object-grants', { subject_type: form.subject_type, subject_id: subjectId, permission_id: form.permission, object: form.object });
    const refused = formErrorOf(answer, 'grant');
    if (refused) {
      // A 404 names the group or permission that is gone; a 409 (already granted) is the whole form's.
      const missing = refused.status === 409 ? 'form' : /group/.test(refused.reason) ? 'group' : /permission/.test(refused.reason) ? 'permission' : 'form';
      const field = FIELD_OF[refused.error.field] ?? missing;
      return showForm(ctx, api, form, { ...refused.error, field: form.subject_type === 'group' && field === 'account' ? 'group' : field }, refused.status);
    }
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/object-grants/${id(answer.body.id)}?done=grant-created`);
  });

  async function loadGrant(ctx: Context) {
    const api = apiOf(deps, ctx);
    const answer = await api.call<ObjectGrant>('GET', `/object-grants/${id(ctx.params.grantId)}`);
    if (answer.status !== 200) fail(answer);
    const [grant] = await describeSubjects(api, [answer.body]);
    return { api, grant };
  }

  router.get('/admin/object-grants/:grantId', read, async (ctx) => {
    const { grant } = await loadGrant(ctx);
    showPage(deps, ctx, 'console-object-grant', 'object-grants', { title: msg('console.objectGrants.grantTitle', { permission: grant.permission, object: grant.object }), grant });
  });

  router.get('/admin/object-grants/:grantId/delete', read, async (ctx) => {
    const { grant } = await loadGrant(ctx);
    // The subject line is data only (the object); the sentence names who holds what, in the page's language.
    const confirmation = {
      heading: 'console.objectGrants.revokeHeading', button: 'console.objectGrants.revokeButton',
      message: msg(grant.subject_type === 'group' ? 'console.objectGrants.revokeGroup' : 'console.objectGrants.revokeAccount', { holder: grant.subject_name, permission: grant.permission }),
    };
    confirmPage(deps, ctx, 'object-grants', confirmation, grant.object, `/admin/object-grants/${id(grant.id)}/delete`, `/admin/object-grants/${id(grant.id)}`);
  });

  router.post('/admin/object-grants/:grantId/delete', forms, requireCsrf(), write, async (ctx) => {
    const { api, grant } = await loadGrant(ctx);
    const answer = await api.call('DELETE', `/object-grants/${id(grant.id)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/object-grants?done=grant-deleted');
  });
}
