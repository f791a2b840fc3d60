import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, type ConsoleSession, type Operator } from '../../support/console.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import type { TestServer } from '../../support/server.js';
import type { Page } from '../../support/user-agent.js';

/**
 * Issue 16, groups: create, edit (name, description, require_mfa), delete behind a confirmation;
 * members by email or id and nested groups (the nesting drawn); roles of the group. The admin API's
 * refusals (a loop, an unknown account, a name taken) are messages on the page.
 */
describe('admin console: groups', () => {
  let server: TestServer;
  let writer: Operator;
  let page: Page;
  let get: ConsoleSession['get'];
  let post: ConsoleSession['post'];
  let personId: string;

  beforeAll(async () => {
    ({ server, writer, page, get, post } = await openConsole('/admin/groups'));
    personId = (await server.container.accounts.createAccount({ email: 'member@example.com', password: 'a long enough password', emailVerified: true })).id;
  });
  afterAll(() => server.close());

  const membersOf = async (groupId: string) =>
    (await server.container.groups.listMembersPage(groupId, { limit: 50 })).items.map((member) => `${member.type}:${member.name}`).sort();

  it('says what to do when there are no groups, then creates, edits and deletes one', async () => {
    expect(page.body).toContain('No groups on this page');
    const created = await post('/admin/groups/new', { name: 'Finance', description: 'Money people', require_mfa: 'yes', require_phishing_resistant: 'yes' });
    expect(created.url).toMatch(/\/admin\/groups\/[0-9a-f-]{36}\?done=group-created$/);
    expect(created.body).toContain('No members yet');
    const group = (await server.container.groups.findGroupByName('Finance'))!;
    expect(group).toMatchObject({ description: 'Money people', require_mfa: true, require_phishing_resistant: true });
    expect(created.body).toContain('members must use a passkey');
    const saved = await post(`/admin/groups/${group.id}/edit`, { name: 'Finance team', description: '' });
    expect(saved.url).toContain('?done=group-saved');
    expect(await server.container.groups.requireGroup(group.id)).toMatchObject({ name: 'Finance team', description: null, require_mfa: false, require_phishing_resistant: false });
    expect((await get(`/admin/groups/${group.id}/delete`)).body).toContain('Delete this group?');
    const deleted = await post(`/admin/groups/${group.id}/delete`, {});
    expect(deleted.url).toBe(`${server.issuer}/admin/groups?done=group-deleted`);
    expect(await server.container.groups.findGroupByName('Finance team')).toBeUndefined();
    const events = await server.container.events.list({ types: ['group.*'] }, { limit: 5, order: 'desc' });
    expect(events.items.slice(0, 3).map((event) => [event.type, event.actor_id])).toEqual([['group.deleted', writer.id], ['group.updated', writer.id], ['group.created', writer.id]]);
  });

  it('adds accounts by email or id and nests groups, draws the nesting, and removes members', async () => {
    const outer = await server.container.groups.createGroup({ name: 'Outer' }, TEST_ACTOR);
    const middle = await server.container.groups.createGroup({ name: 'Middle' }, TEST_ACTOR);
    const inner = await server.container.groups.createGroup({ name: 'Inner' }, TEST_ACTOR);
    await server.container.groups.addMember(middle.id, { type: 'group', id: inner.id }, TEST_ACTOR);
    const base = `/admin/groups/${outer.id}`;

    expect((await post(`${base}/add-member`, { account: 'MEMBER@example.com' })).url).toContain('?done=member-added');
    const other = await server.container.accounts.createAccount({ email: 'by-id@example.com', password: 'a long enough password', emailVerified: true });
    expect((await post(`${base}/add-member`, { account: other.id })).url).toContain('?done=member-added');
    const nested = await post(`${base}/add-group`, { group_id: middle.id });
    expect(nested.url).toContain('?done=member-added');
    expect(await membersOf(outer.id)).toEqual(['account:by-id@example.com', 'account:member@example.com', 'group:Middle']);
    // The nesting, two levels down, as nested lists of links.
    expect(nested.body).toMatch(new RegExp(`<ul class="tree">\\s*<li><a href="/admin/groups/${middle.id}">Middle</a>\\s*<ul class="tree">\\s*<li><a href="/admin/groups/${inner.id}">Inner</a>`));
    const event = (await server.container.events.list({ types: ['group.member_added'] }, { limit: 1, order: 'desc' })).items[0];
    expect(event).toMatchObject({ actor_id: writer.id });

    const removed = await post(`${base}/remove-member`, { type: 'account', member_id: personId });
    expect(removed.url).toContain('?done=member-removed');
    expect(await post(`${base}/remove-member`, { type: 'group', member_id: middle.id })).toMatchObject({ status: 200 });
    expect(await membersOf(outer.id)).toEqual(['account:by-id@example.com']);
  });

  it('shows the API’s refusals as messages: a loop, an unknown account, a name taken, bad input', async () => {
    const top = await server.container.groups.createGroup({ name: 'Top' }, TEST_ACTOR);
    const bottom = await server.container.groups.createGroup({ name: 'Bottom' }, TEST_ACTOR);
    await server.container.groups.addMember(top.id, { type: 'group', id: bottom.id }, TEST_ACTOR);

    const loop = await post(`/admin/groups/${bottom.id}/add-group`, { group_id: top.id });
    expect(loop.status).toBe(409);
    expect(loop.body).toContain('id="group_id-error"');
    expect(loop.body).toContain('would make a loop');
    const itself = await post(`/admin/groups/${top.id}/add-group`, { group_id: top.id });
    expect(itself.status).toBe(409);
    expect(await membersOf(bottom.id)).toEqual([]);

    for (const [account, message] of [['nobody@example.com', 'no account with this email'], ['00000000-0000-4000-8000-000000000000', 'no account with this id'], ['not an id', 'no account with this id'], ['', 'Enter the email']] as const) {
      const unknown = await post(`/admin/groups/${top.id}/add-member`, { account });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toContain('id="account-error"');
      expect(unknown.body.toLowerCase()).toContain(message.toLowerCase());
      if (account) expect(unknown.body).toContain(`value="${account}"`);
    }
    const badGroup = await post(`/admin/groups/${top.id}/add-group`, { group_id: 'not-a-group' });
    expect(badGroup.status).toBe(400);
    expect(badGroup.body).toContain('No group with this id');
    const notMember = await post(`/admin/groups/${top.id}/remove-member`, { type: 'account', member_id: personId });
    expect(notMember.status).toBe(400);
    expect(notMember.body).toContain('not a member of this group');

    const taken = await post('/admin/groups/new', { name: 'top' });
    expect(taken.status).toBe(409);
    expect(taken.body).toContain('already exists');
    const badName = await post(`/admin/groups/${top.id}/edit`, { name: '!!', description: 'typed here' });
    expect(badName.status).toBe(400);
    expect(badName.body).toContain('id="name-error"');
    expect(badName.body).toContain('value="typed here"');
    expect((await server.container.groups.requireGroup(top.id)).name).toBe('Top');
  });

  it('gives a group roles and takes them away', async () => {
    const group = await server.container.groups.createGroup({ name: 'Role holders' }, TEST_ACTOR);
    const role = await server.container.roles.createRole({ name: 'Auditor' }, TEST_ACTOR);
    const base = `/admin/groups/${group.id}`;
    const shown = await get(base);
    expect(shown.body).toContain(`<option value="${role.id}" translate="no">Auditor</option>`);
    const given = await post(`${base}/add-role`, { role_id: role.id });
    expect(given.url).toContain('?done=group-role-added');
    expect(given.body).toContain(`href="/admin/roles/${role.id}">Auditor</a>`);
    expect((await server.container.roles.listHolders(role.id)).map((holder) => holder.subject_id)).toEqual([group.id]);
    for (const role_id of ['', 'nope']) expect((await post(`${base}/add-role`, { role_id })).status).toBe(400);
    const taken = await post(`${base}/remove-role`, { role_id: role.id });
    expect(taken.url).toContain('?done=group-role-removed');
    expect(await server.container.roles.listHolders(role.id)).toEqual([]);
    const events = await server.container.events.list({ types: ['role.assigned', 'role.unassigned'] }, { limit: 2, order: 'desc' });
    expect(events.items.map((event) => [event.type, event.actor_id])).toEqual([['role.unassigned', writer.id], ['role.assigned', writer.id]]);
  });

  it('pages through groups and members with the API’s cursors; an unknown group is a 404 page', async () => {
    for (let index = 0; index < 26; index += 1) await server.container.groups.createGroup({ name: `Bulk ${String(index).padStart(2, '0')}` }, TEST_ACTOR);
    const first = await get('/admin/groups');
    const next = /href="(\/admin\/groups\?cursor=[^"]+)" rel="next"/.exec(first.body)![1];
    expect((await get(next)).body).toContain('First page');
    expect((await get('/admin/groups?cursor=bad')).url).toBe(`${server.issuer}/admin/groups`);
    const crowd = await server.container.groups.createGroup({ name: 'Crowd' }, TEST_ACTOR);
    for (let index = 0; index < 51; index += 1) {
      const account = await server.container.accounts.createAccount({ email: `crowd-${index}@example.com`, emailVerified: true });
      await server.container.groups.addMember(crowd.id, { type: 'account', id: account.id }, TEST_ACTOR);
    }
    const members = await get(`/admin/groups/${crowd.id}`);
    expect(members.body.match(/name="member_id"/g)).toHaveLength(50);
    const more = /href="(\/admin\/groups\/[^"?]+\?cursor=[^"]+)" rel="next"/.exec(members.body)![1];
    expect((await get(more)).body.match(/name="member_id"/g)).toHaveLength(1);
    for (const groupId of ['nope', '00000000-0000-4000-8000-000000000000']) {
      const missing = await get(`/admin/groups/${groupId}`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('text/html');
    }
  });
});
