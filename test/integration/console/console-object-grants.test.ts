import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, type ConsoleSession, type Operator } from '../../support/console.js';
import { defineApi, TEST_ACTOR } from '../../support/rbac.js';
import type { TestServer } from '../../support/server.js';
import type { Page } from '../../support/user-agent.js';

/** Issue 16, object grants: the list filtered as the admin API allows, creation, revocation behind a confirmation. */
describe('admin console: object grants', () => {
  let server: TestServer;
  let writer: Operator;
  let page: Page;
  let get: ConsoleSession['get'];
  let post: ConsoleSession['post'];
  let ids: Record<string, string>;
  let personId: string;
  let groupId: string;

  beforeAll(async () => {
    ({ server, writer, page, get, post } = await openConsole('/admin/object-grants'));
    ({ ids } = await defineApi(server.container, 'https://docs.example.com', ['docs:read', 'docs:edit']));
    personId = (await server.container.accounts.createAccount({ email: 'reader@example.com', password: 'a long enough password', emailVerified: true })).id;
    groupId = (await server.container.groups.createGroup({ name: 'Editors' }, TEST_ACTOR)).id;
  });
  afterAll(() => server.close());

  const grants = async () => (await server.container.objectGrants.listObjectGrantsPage({}, { limit: 100 })).items;

  it('says what to do when there are none, grants to an account by email and to a group, lists and filters them', async () => {
    expect(page.body).toContain('No object grants yet');
    const toPerson = await post('/admin/object-grants/new', { subject_type: 'account', account: 'reader@example.com', permission: ids['docs:read'], object: 'document:42' });
    expect(toPerson.url).toMatch(/\/admin\/object-grants\/[0-9a-f-]{36}\?done=grant-created$/);
    expect(toPerson.body).toContain('reader@example.com');
    const toGroup = await post('/admin/object-grants/new', { subject_type: 'group', account: 'ignored@example.com', group: groupId, permission: ids['docs:edit'], object: 'document:7' });
    expect(toGroup.url).toContain('?done=grant-created');
    expect((await grants()).map((grant) => [grant.object_id, grant.account_id ?? grant.group_id]).sort()).toEqual([['42', personId], ['7', groupId]]);

    const all = await get('/admin/object-grants');
    expect(all.body).toContain('<code>document:42</code>');
    expect(all.body).toContain('<code>document:7</code>');
    expect(all.body).toContain(`href="/admin/groups/${groupId}">Editors</a>`);
    const byAccount = await get('/admin/object-grants?account=reader%40example.com');
    expect(byAccount.body).toContain('<code>document:42</code>');
    expect(byAccount.body).not.toContain('<code>document:7</code>');
    const byGroup = await get(`/admin/object-grants?group=${groupId}`);
    expect(byGroup.body).toContain('<code>document:7</code>');
    expect(byGroup.body).not.toContain('<code>document:42</code>');
    const byPermission = await get(`/admin/object-grants?permission=${ids['docs:read']}`);
    expect(byPermission.body).toContain('<code>document:42</code>');
    expect(byPermission.body).not.toContain('<code>document:7</code>');
    const byObject = await get('/admin/object-grants?object=document%3A7');
    expect(byObject.body).toContain('<code>document:7</code>');
    expect(byObject.body).not.toContain('<code>document:42</code>');
    const none = await get('/admin/object-grants?object=document%3A999');
    expect(none.body).toContain('No object grant matches these filters');
  });

  it('revokes a grant after a confirmation page', async () => {
    const grant = (await grants()).find((entry) => entry.object_id === '42')!;
    const confirm = await get(`/admin/object-grants/${grant.id}/delete`);
    expect(confirm.body).toContain('Revoke this grant?');
    const revoked = await post(`/admin/object-grants/${grant.id}/delete`, {});
    expect(revoked.url).toBe(`${server.issuer}/admin/object-grants?done=grant-deleted`);
    expect((await grants()).map((entry) => entry.object_id)).toEqual(['7']);
    const events = await server.container.events.list({ types: ['object_grant.*'] }, { limit: 5, order: 'desc' });
    expect(events.items.map((event) => [event.type, event.actor_id])).toEqual([['object_grant.deleted', writer.id], ['object_grant.created', writer.id], ['object_grant.created', writer.id]]);
  });

  it('turns bad input into a message next to its field, with the form as typed, and grants nothing', async () => {
    const before = (await grants()).length;
    const cases: Array<[Record<string, string>, string, number]> = [
      [{ subject_type: 'account', account: 'nobody@example.com', permission: ids['docs:read'], object: 'document:1' }, 'account', 400],
      [{ subject_type: 'account', account: '', permission: ids['docs:read'], object: 'document:1' }, 'account', 400],
      [{ subject_type: 'group', group: '', permission: ids['docs:read'], object: 'document:1' }, 'group', 400],
      [{ subject_type: 'group', group: '00000000-0000-4000-8000-000000000000', permission: ids['docs:read'], object: 'document:1' }, 'group', 400],
      [{ subject_type: 'account', account: 'reader@example.com', permission: '', object: 'document:1' }, 'permission', 400],
      [{ subject_type: 'account', account: 'reader@example.com', permission: 'not-a-uuid', object: 'document:1' }, 'permission', 400],
      [{ subject_type: 'account', account: 'reader@example.com', permission: ids['docs:read'], object: 'Not An Object' }, 'object', 400],
    ];
    for (const [form, field, status] of cases) {
      const refused = await post('/admin/object-grants/new', form);
      expect({ field, status: refused.status }).toEqual({ field, status });
      expect(refused.body).toContain(`id="${field}-error"`);
      if (form.object) expect(refused.body).toContain(`value="${form.object}"`);
    }
    const twice = await post('/admin/object-grants/new', { subject_type: 'group', group: groupId, permission: ids['docs:edit'], object: 'document:7' });
    expect(twice.status).toBe(409);
    expect(twice.body).toContain('already holds this permission');
    expect(await grants()).toHaveLength(before);

    const badFilter = await get('/admin/object-grants?object=NOPE');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body).toContain('id="filter-object-error"');
    const unknownAccount = await get('/admin/object-grants?account=ghost%40example.com');
    expect(unknownAccount.status).toBe(400);
    expect(unknownAccount.body).toContain('id="filter-account-error"');
    expect((await get('/admin/object-grants?group=not-a-uuid')).status).toBe(400);
    for (const grantId of ['nope', '00000000-0000-4000-8000-000000000000']) expect((await get(`/admin/object-grants/${grantId}`)).status).toBe(404);
  });

  it('prints text that others chose (an object id, a group name) escaped, never as markup', async () => {
    // A group name from a directory (SCIM displayName) is not held to the admin API's name rule.
    const marked = await server.container.groups.createGroup({ name: 'Ops <b>bold</b>' }, TEST_ACTOR);
    for (const path of ['/admin/groups', `/admin/groups/${marked.id}`, '/admin/object-grants/new']) {
      const shown = await get(path);
      expect(shown.body).not.toContain('<b>bold</b>');
      expect(shown.body).toContain('Ops &lt;b&gt;bold&lt;/b&gt;');
    }
    const grant = await server.container.objectGrants.createObjectGrant({ subject: { type: 'group', id: groupId }, permissionId: ids['docs:read'], object: 'doc:"><script>alert(1)</script>' }, TEST_ACTOR);
    for (const path of ['/admin/object-grants', `/admin/object-grants/${grant.id}`, `/admin/object-grants/${grant.id}/delete`]) {
      const shown = await get(path);
      expect(shown.body).not.toContain('<script>alert(1)</script>');
      expect(shown.body).toContain('doc:&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    await server.container.objectGrants.deleteObjectGrant(grant.id, TEST_ACTOR);
  });

  it('pages with the API’s cursors, keeping the filter', async () => {
    for (let index = 0; index < 26; index += 1) {
      await server.container.objectGrants.createObjectGrant({ subject: { type: 'account', id: personId }, permissionId: ids['docs:read'], object: `page:${index}` }, TEST_ACTOR);
    }
    const first = await get('/admin/object-grants?account=reader%40example.com');
    const next = /href="(\/admin\/object-grants\?[^"]+)" rel="next"/.exec(first.body)![1].replace(/&amp;/g, '&');
    expect(next).toContain('account=reader%40example.com');
    const second = await get(next);
    expect(second.status).toBe(200);
    expect(second.body).toContain('First page');
    expect((await get('/admin/object-grants?cursor=junk')).url).toBe(`${server.issuer}/admin/object-grants`);
  });
});
