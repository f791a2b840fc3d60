import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { ERROR_SCHEMA, GROUP_SCHEMA, patch, provisioningDirectory, USER_SCHEMA, type ScimClient } from '../../support/scim.js';

/** /Groups: membership through POST, PUT and PATCH, its limits, concurrency, and what it may not touch. */
describe('SCIM /Groups', () => {
  let server: TestServer;
  let scim: ScimClient;
  const users: string[] = [];

  const members = async (groupId: string) =>
    ((await scim.call('GET', `/Groups/${groupId}`)).body.members as { value: string }[]).map((member) => member.value).sort();

  beforeAll(async () => {
    server = await startTestServer();
    scim = await provisioningDirectory(server, 'Groups Directory');
    for (let i = 0; i < 12; i += 1) {
      const created = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: `member${i}@example.com` });
      users.push(created.body.id);
    }
  });
  afterAll(() => server.close());

  it('creates a group with members, which become members of the RBAC group', async () => {
    const created = await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', externalId: 'eng', members: [{ value: users[0] }, { value: users[1] }] });
    expect(created).toMatchObject({ status: 201, body: { displayName: 'Engineering', externalId: 'eng', meta: { resourceType: 'Group' } } });
    expect(created.headers.get('location')).toBe(`${server.issuer}/scim/v2/Groups/${created.body.id}`);
    const rbacMembers = await server.container.groups.listMembersPage(created.body.id, { limit: 50 });
    expect(rbacMembers.items.map((member) => member.id).sort()).toEqual([users[0], users[1]].sort());
  });

  it('replaces the members with PUT', async () => {
    const group = (await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Replace me', members: [{ value: users[0] }] })).body;
    const replaced = await scim.call('PUT', `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Replaced', members: [{ value: users[2] }, { value: users[3] }] });
    expect(replaced.status).toBe(200);
    expect(replaced.body.displayName).toBe('Replaced');
    expect(await members(group.id)).toEqual([users[2], users[3]].sort());
  });

  it('refuses a member that is not a user of the directory, a nested group, or a taken name, and changes nothing', async () => {
    const group = (await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Strict', members: [{ value: users[4] }] })).body;
    const outsider = await server.container.accounts.createAccount({ email: 'outsider@example.com' });
    const other = await provisioningDirectory(server, 'Another Directory');
    const theirs = (await other.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'theirs@example.com' })).body.id;
    await server.container.groups.createGroup({ name: 'Administrators' }, TEST_ACTOR);
    const cases: [unknown, number, string][] = [
      [patch({ op: 'add', path: 'members', value: [{ value: users[5] }, { value: outsider.id }] }), 400, 'invalidValue'],
      [patch({ op: 'add', path: 'members', value: [{ value: users[5] }, { value: theirs }] }), 400, 'invalidValue'],
      [patch({ op: 'add', path: 'members', value: [{ value: users[5] }, { value: 'not-a-uuid' }] }), 400, 'invalidValue'],
      [patch({ op: 'add', path: 'members', value: [{ value: group.id, type: 'Group' }] }), 400, 'invalidValue'],
      [patch({ op: 'add', path: 'members', value: [{ value: users[5] }] }, { op: 'replace', path: 'displayName', value: 'administrators' }), 409, 'uniqueness'],
      [patch({ op: 'add', path: 'members', value: [{ value: users[5] }] }, { op: 'replace', path: 'owner', value: 'x' }), 400, 'invalidPath'],
      [patch({ op: 'add', path: 'members[value eq', value: [{ value: users[5] }] }), 400, 'invalidPath'],
    ];
    for (const [body, status, scimType] of cases) {
      const response = await scim.call('PATCH', `/Groups/${group.id}`, body);
      expect({ body: JSON.stringify(body).slice(0, 120), status: response.status, error: response.body }).toEqual({
        body: JSON.stringify(body).slice(0, 120),
        status,
        error: expect.objectContaining({ schemas: [ERROR_SCHEMA], scimType }),
      });
    }
    expect(await members(group.id)).toEqual([users[4]]);
    expect((await scim.call('GET', `/Groups/${group.id}`)).body.displayName).toBe('Strict');
    // Groups the directory did not create are invisible to it.
    const administrators = await server.container.groups.findGroupByName('Administrators');
    expect((await scim.call('GET', `/Groups/${administrators!.id}`)).status).toBe(404);
    expect((await scim.call('PATCH', `/Groups/${administrators!.id}`, patch({ op: 'add', path: 'members', value: [{ value: users[0] }] }))).status).toBe(404);
  });

  it('applies parallel membership PATCHes (as Entra sends them) without losing any', async () => {
    const group = (await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Parallel' })).body;
    const results = await Promise.all(users.map((user) => scim.call('PATCH', `/Groups/${group.id}`, patch({ op: 'Add', path: 'members', value: [{ value: user }] }))));
    expect(results.map((result) => result.status)).toEqual(users.map(() => 204));
    expect(await members(group.id)).toEqual([...users].sort());
  });

  it('filters groups by displayName and members.value, and leaves members out when asked', async () => {
    const byName = (await scim.call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "engineering"')}&excludedAttributes=members`)).body;
    expect(byName.totalResults).toBe(1);
    expect(byName.Resources[0].members).toBeUndefined();
    const withMember = (await scim.call('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${users[2]}"`)}&attributes=displayName`)).body;
    expect(withMember.Resources.map((group: { displayName: string }) => group.displayName).sort()).toEqual(['Parallel', 'Replaced']);
    expect(withMember.Resources[0]).toEqual({ schemas: [GROUP_SCHEMA], id: expect.any(String), displayName: expect.any(String) });
    const user = (await scim.call('GET', `/Users/${users[2]}`)).body;
    expect(user.groups.map((group: { display: string }) => group.display).sort()).toEqual(['Parallel', 'Replaced']);
  });

  it('deletes a group; its members stay; events name the directory as the actor', async () => {
    const group = (await scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Short-lived', members: [{ value: users[6] }] })).body;
    expect((await scim.call('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    expect((await scim.call('GET', `/Groups/${group.id}`)).status).toBe(404);
    expect((await scim.call('GET', `/Users/${users[6]}`)).status).toBe(200);
    const events = await server.container.db('events').whereRaw("detail->'target'->>'id' = ?", [group.id]).orderBy('id');
    expect(events.map((event: { type: string }) => event.type)).toEqual(['group.created', 'group.member_added', 'group.deleted']);
    for (const event of events) expect(event).toMatchObject({ actor_type: 'directory', actor_id: scim.directoryId });
  });
});
