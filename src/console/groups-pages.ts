import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import type { AdminApi } from './admin-api.js';
import { apiOf, bodyOf, confirmPage, fail, findAccount, formErrorOf, id, listAll, listPage, noSuchAccount, text, type FormError } from './authz-kit.js';
import type { Text } from '../i18n/catalogs.js';
import { showPage } from './page-kit.js';
import type { groupSchema, memberSchema, roleAssignmentSchema } from '../admin/schemas.js';
import type { ConsoleRouteDeps } from './routes.js';

/** What the admin API answers, as its own schemas declare it. */
type Group = z.infer<typeof groupSchema>;
type Member = z.infer<typeof memberSchema>;
type RoleAssignment = z.infer<typeof roleAssignmentSchema>;

/** A nested group and the groups inside it, as far as the tree is drawn. */
interface NestedGroup {
  id: string;
  name: string;
  children: NestedGroup[];
}

interface GroupForm {
  name: string;
  description: string;
  require_mfa: boolean;
  require_phishing_resistant: boolean;
}

const MEMBER_PAGE = 50;
/** How much of the nesting below a group the page draws: deeper or wider trees are followed group by group. */
const TREE_DEPTH = 4;
const TREE_NODES = 50;

const groupForm = (body: Record<string, unknown>): GroupForm => ({ name: text(body.name, 200).trim(), description: text(body.description, 1000).trim(), require_mfa: body.require_mfa === 'yes', require_phishing_resistant: body.require_phishing_resistant === 'yes' });

/**
 * The groups nested in `groupId`, as a tree (each group's members of type group, recursively). The
 * admin API refuses loops when they would form; `seen` keeps the drawing finite all the same.
 */
async function nestingOf(api: AdminApi, groupId: string): Promise<NestedGroup[]> {
  const seen = new Set([groupId]);
  async function below(parent: string, depth: number): Promise<NestedGroup[]> {
    if (depth > TREE_DEPTH) return [];
    const members = await listAll<Member>(api, `/groups/${id(parent)}/members`);
    const nested: NestedGroup[] = [];
    for (const member of members.filter((entry) => entry.type === 'group')) {
      if (seen.has(member.id) || seen.size >= TREE_NODES) continue;
      seen.add(member.id);
      nested.push({ id: member.id, name: member.name, children: await below(member.id, depth + 1) });
    }
    return nested;
  }
  return below(groupId, 1);
}

/**
 * Groups: accounts and other groups (nested), the roles a group gives its members, and its rule that
 * members sign in with a second factor. Members are added by email or account id, or by picking a
 * group; the admin API's refusals (an unknown account, a loop in the nesting, a name taken) come
 * back as messages next to the form that caused them.
 */
export function groupPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;

  router.get('/admin/groups', read, async (ctx) => {
    const page = await listPage<Group>(ctx, apiOf(deps, ctx), '/groups', '/admin/groups');
    if (page) showPage(deps, ctx, 'console-groups', 'groups', { title: 'console.groups.title', groups: page.items, nextHref: page.nextHref, firstPage: page.firstPage });
  });

  router.get('/admin/groups/new', read, (ctx) => {
    showPage(deps, ctx, 'console-group-new', 'groups', { title: 'console.groups.create', form: { name: '', description: '', require_mfa: false, require_phishing_resistant: false } });
  });

  router.post('/admin/groups/new', forms, requireCsrf(), write, async (ctx) => {
    const form = groupForm(bodyOf(ctx));
    const answer = await apiOf(deps, ctx).call<Group>('POST', '/groups', { name: form.name, ...(form.description ? { description: form.description } : {}), require_mfa: form.require_mfa, require_phishing_resistant: form.require_phishing_resistant });
    const refused = formErrorOf(answer, 'group');
    if (refused) return showPage(deps, ctx, 'console-group-new', 'groups', { title: 'console.groups.create', form, error: refused.error }, refused.status);
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/groups/${id(answer.body.id)}?done=group-created`);
  });

  async function loadGroup(ctx: Context): Promise<{ api: AdminApi; group: Group }> {
    const api = apiOf(deps, ctx);
    const answer = await api.call<Group>('GET', `/groups/${id(ctx.params.groupId)}`);
    if (answer.status !== 200) fail(answer);
    return { api, group: answer.body };
  }

  interface Typed {
    form?: GroupForm;
    account?: string;
    error?: FormError;
  }
  async function showGroup(ctx: Context, api: AdminApi, group: Group, typed: Typed = {}, status = 200) {
    const page = await listPage<Member>(ctx, api, `/groups/${id(group.id)}/members`, `/admin/groups/${id(group.id)}`, MEMBER_PAGE);
    if (!page) return;
    const roles = await listAll<RoleAssignment>(api, `/groups/${id(group.id)}/roles`);
    const nesting = await nestingOf(api, group.id);
    const canWrite = (ctx.state.operator as { canWrite: boolean }).canWrite;
    let groupChoices: Group[] = [];
    let roleChoices: Array<{ id: string; name: string }> = [];
    if (canWrite) {
      // Pickers leave out the group itself, its direct nested groups, and the roles it already has.
      const nestedIds = new Set(nesting.map((nested) => nested.id));
      groupChoices = (await listAll<Group>(api, '/groups')).filter((candidate) => candidate.id !== group.id && !nestedIds.has(candidate.id));
      const held = new Set(roles.map((role) => role.role_id));
      roleChoices = (await listAll<{ id: string; name: string }>(api, '/roles')).filter((role) => !held.has(role.id));
    }
    showPage(deps, ctx, 'console-group', 'groups', {
      title: group.name, group, members: page.items, nextHref: page.nextHref, firstPage: page.firstPage, roles, nesting, groupChoices, roleChoices,
      form: typed.form ?? { name: group.name, description: group.description ?? '', require_mfa: group.require_mfa, require_phishing_resistant: group.require_phishing_resistant },
      account: typed.account ?? '', error: typed.error,
    }, status);
  }

  router.get('/admin/groups/:groupId', read, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    await showGroup(ctx, api, group);
  });

  router.post('/admin/groups/:groupId/edit', forms, requireCsrf(), write, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    const form = groupForm(bodyOf(ctx));
    const answer = await api.call('PATCH', `/groups/${id(group.id)}`, { name: form.name, description: form.description || null, require_mfa: form.require_mfa, require_phishing_resistant: form.require_phishing_resistant });
    const refused = formErrorOf(answer, 'group');
    if (refused) return showGroup(ctx, api, group, { form, error: refused.error }, refused.status);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `/admin/groups/${id(group.id)}?done=group-saved`);
  });

  router.post('/admin/groups/:groupId/add-member', forms, requireCsrf(), write, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    const typed = text(bodyOf(ctx).account, 254).trim();
    const refuse = (message: Text, status = 400) => showGroup(ctx, api, group, { account: typed, error: { form: 'add-member', field: 'account', message } }, status);
    if (!typed) return refuse('console.authz.enterAccount');
    const account = await findAccount(api, typed);
    if (!account) return refuse(noSuchAccount(typed));
    const answer = await api.call('PUT', `/groups/${id(group.id)}/members/accounts/${id(account.id)}`);
    const refused = formErrorOf(answer, 'add-member');
    if (refused) return refuse(refused.error.message, refused.status);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/groups/${id(group.id)}?done=member-added`);
  });

  router.post('/admin/groups/:groupId/add-group', forms, requireCsrf(), write, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    const memberId = text(bodyOf(ctx).group_id, 100);
    const refuse = (message: Text, status = 400) => showGroup(ctx, api, group, { error: { form: 'add-group', field: 'group_id', message } }, status);
    if (!memberId) return refuse('console.groups.chooseGroupToNest');
    const answer = await api.call('PUT', `/groups/${id(group.id)}/members/groups/${id(memberId)}`);
    const refused = formErrorOf(answer, 'add-group');
    if (refused) return refuse(refused.error.message, refused.status);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/groups/${id(group.id)}?done=member-added`);
  });

  // A member taken out is added back as easily, so it needs no confirmation page.
  router.post('/admin/groups/:groupId/remove-member', forms, requireCsrf(), write, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    const body = bodyOf(ctx);
    const kind = body.type === 'group' ? 'groups' : 'accounts';
    const answer = await api.call('DELETE', `/groups/${id(group.id)}/members/${kind}/${id(text(body.member_id, 100) || '-')}`);
    const refused = formErrorOf(answer, 'members');
    if (refused) return showGroup(ctx, api, group, { error: refused.error }, refused.status);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/groups/${id(group.id)}?done=member-removed`);
  });

  router.post('/admin/groups/:groupId/add-role', forms, requireCsrf(), write, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    const roleId = text(bodyOf(ctx).role_id, 100);
    const refuse = (message: Text, status = 400) => showGroup(ctx, api, group, { error: { form: 'add-role', field: 'role_id', message } }, status);
    if (!roleId) return refuse('console.groups.chooseRoleToGive');
    const answer = await api.call('PUT', `/groups/${id(group.id)}/roles/${id(roleId)}`);
    const refused = formErrorOf(answer, 'add-role');
    if (refused) return refuse(refused.error.message, refused.status);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/groups/${id(group.id)}?done=group-role-added`);
  });

  router.post('/admin/groups/:groupId/remove-role', forms, requireCsrf(), write, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    const answer = await api.call('DELETE', `/groups/${id(group.id)}/roles/${id(text(bodyOf(ctx).role_id, 100) || '-')}`);
    const refused = formErrorOf(answer, 'roles');
    if (refused) return showGroup(ctx, api, group, { error: refused.error }, refused.status);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, `/admin/groups/${id(group.id)}?done=group-role-removed`);
  });

  router.get('/admin/groups/:groupId/delete', read, async (ctx) => {
    const { group } = await loadGroup(ctx);
    const confirmation = { heading: 'console.groups.deleteHeading', message: 'console.groups.deleteMessage', button: 'console.groups.deleteButton' };
    confirmPage(deps, ctx, 'groups', confirmation, group.name, `/admin/groups/${id(group.id)}/delete`, `/admin/groups/${id(group.id)}`);
  });

  router.post('/admin/groups/:groupId/delete', forms, requireCsrf(), write, async (ctx) => {
    const { api, group } = await loadGroup(ctx);
    const answer = await api.call('DELETE', `/groups/${id(group.id)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/groups?done=group-deleted');
  });
}
