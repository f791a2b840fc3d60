import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { followLink, mailLink, startAccountServer, type AccountTestServer } from '../../support/accounts.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode } from '../../support/mfa.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { registerClient, signIn } from '../../support/relying-party.js';
import type { TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

/** Issue 16, accounts section: search, and every change an admin API call with the operator's token. */
describe('admin console: accounts', () => {
  const clock = new ManualClock(Date.now());
  let env: AccountTestServer;
  let server: TestServer;
  let writer: Operator;
  let agent: UserAgent;
  let page: Page;

  beforeAll(async () => {
    env = await startAccountServer({ clock });
    server = env.server;
    await server.container.attributes.defineAttribute({ name: 'department', type: 'string' }, TEST_ACTOR);
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
    ({ agent, page } = await signInToConsole(server, writer, clock, '/admin/accounts'));
  });
  afterAll(() => env.close());

  const open = (path: string) => agent.request(`${server.issuer}${path}`);
  const post = (path: string, form: Record<string, string> = {}) => agent.request(`${server.issuer}${path}`, { form: { csrf: UserAgent.field(page, 'csrf'), ...form } });
  const listed = (shown: Page) => [...shown.body.matchAll(/<td translate="no"><a href="\/admin\/accounts\/[^"]+">([^<]+)<\/a><\/td>/g)].map((match) => match[1]).sort();

  describe('search', () => {
    beforeAll(async () => {
      const { accounts, attributes } = server.container;
      const dana = await accounts.createAccount({ email: 'dana.lopez@example.com', name: 'Dana Lopez' });
      await attributes.setValues(dana.id, { department: 'Sales' }, 'admin');
      await accounts.createAccount({ email: 'lopezfan@example.com', name: 'Sam Fan' });
      for (let index = 0; index < 27; index += 1) await accounts.createAccount({ email: `bulk${String(index).padStart(2, '0')}@example.com`, name: `Bulk Person ${index}` });
    });

    it('finds by the start of an email, by words of a name, by id and by attribute', async () => {
      expect(listed(await open('/admin/accounts?q=dana'))).toEqual(['dana.lopez@example.com']);
      expect(listed(await open('/admin/accounts?q=lopez'))).toEqual(['dana.lopez@example.com', 'lopezfan@example.com']);
      expect(listed(await open('/admin/accounts?q=sam+f'))).toEqual(['lopezfan@example.com']);
      expect(listed(await open('/admin/accounts?q=attr%3Adepartment%3Dsales'))).toEqual(['dana.lopez@example.com']);
      const dana = await server.container.accounts.findByEmail('dana.lopez@example.com');
      expect(listed(await open(`/admin/accounts?q=${dana!.id}`))).toEqual(['dana.lopez@example.com']);
    });

    it('keeps the search on the next page', async () => {
      const first = await open('/admin/accounts?q=bulk');
      expect(listed(first)).toHaveLength(25);
      const next = /href="([^"]+)" rel="next"/.exec(first.body)![1].replaceAll('&amp;', '&');
      expect(next).toContain('q=bulk');
      const second = await open(next);
      // Accounts made in one millisecond (PGlite's clock) tie on their creation time and go by id, so
      // which two are left is not known: the two pages hold every match once.
      expect(listed(second)).toHaveLength(2);
      const bulk = Array.from({ length: 27 }, (_, index) => `bulk${String(index).padStart(2, '0')}@example.com`);
      expect([...listed(first), ...listed(second)].sort()).toEqual(bulk);
      expect(second.body).toContain('First page');
    });

    it('says what to do when nothing matches, and puts a bad attribute search next to the field', async () => {
      const none = await open('/admin/accounts?q=nobody-here');
      expect(none.status).toBe(200);
      expect(none.body).toContain('No account matches');
      const unknown = await open('/admin/accounts?q=attr%3Ashoe_size%3D42');
      expect(unknown.status).toBe(400);
      expect(unknown.body).toContain('id="q-error"');
      expect(unknown.body).toContain('attr:department=sales');
      const malformed = await open('/admin/accounts?q=attr%3Adepartment');
      expect(malformed.status).toBe(400);
      const forged = await open('/admin/accounts?q=bulk&cursor=forged');
      expect(forged.url).toBe(`${server.issuer}/admin/accounts?q=bulk`);
    });
  });
  /** The newest events of these types, as [type, actor id, detail.via]. */
  const eventsOf = async (...types: string[]) =>
    (await server.container.events.list({ types }, { limit: 20, order: 'desc' })).items.map((event) => [event.type, event.actor_id, (event.detail as { via?: string } | null)?.via]);
  const newAccount = (email: string, password?: string) => server.container.accounts.createAccount({ email, password, emailVerified: true });

  describe('create and invite', () => {
    it('creates an account with a password, as the operator', async () => {
      const created = await post('/admin/accounts/new', { email: 'pat@example.com', name: 'Pat Doe', access: 'password', password: 'a password long enough' });
      expect(created.url).toMatch(/\/admin\/accounts\/[0-9a-f-]{36}\?done=account-created$/);
      expect(created.body).toContain('The account is created.');
      const account = await server.container.accounts.findByEmail('pat@example.com');
      expect(account).toMatchObject({ name: 'Pat Doe' });
      expect(account!.password_hash).toEqual(expect.any(String));
      expect(await eventsOf('account.created')).toContainEqual(['account.created', writer.id, undefined]);
      // The account page's recent activity shows it.
      expect(created.body).toContain('account.created');
    });

    it('invites by email: the person sets their own password with the link; the operator never sees it', async () => {
      const created = await post('/admin/accounts/new', { email: 'invitee@example.com', name: '', access: 'invite' });
      expect(created.url).toContain('?done=account-invited');
      const { mail, link } = await mailLink(env.smtp, 'invitee@example.com', `${server.issuer}/account/reset?token=`);
      expect(mail.subject).toContain('account is ready');
      expect(created.body).not.toContain(new URL(link).searchParams.get('token')!);
      expect(await eventsOf('account.invited')).toContainEqual(['account.invited', writer.id, 'operator']);
      const set = await followLink(new UserAgent(), link, { password: 'the invitee chose this', confirm: 'the invitee chose this' });
      expect(set.status).toBe(200);
      expect((await server.container.accounts.findByEmail('invitee@example.com'))!.password_hash).toEqual(expect.any(String));
    });

    it('puts a refused field next to it, keeps the form as typed, and creates nothing', async () => {
      const before = await server.container.accounts.countAccounts();
      const badEmail = await post('/admin/accounts/new', { email: 'not an address', name: 'Typed Name', access: 'invite' });
      expect(badEmail.status).toBe(400);
      expect(badEmail.body).toContain('id="email-error"');
      expect(badEmail.body).toContain('value="Typed Name"');
      const shortPassword = await post('/admin/accounts/new', { email: 'short@example.com', access: 'password', password: 'short' });
      expect(shortPassword.status).toBe(400);
      expect(shortPassword.body).toContain('id="password-error"');
      const taken = await post('/admin/accounts/new', { email: 'PAT@example.com', access: 'invite' });
      expect(taken.status).toBe(400);
      expect(taken.body).toContain('Another account already has this address.');
      expect(await server.container.accounts.countAccounts()).toBe(before);
      expect(env.smtp.pending('short@example.com')).toEqual([]);
    });
  });

  describe('reset link and second factors', () => {
    it('mails a reset link to the account only, as the operator; never to a disabled account', async () => {
      const person = await newAccount('forgetful@example.com', 'an old password long enough');
      const sent = await post(`/admin/accounts/${person.id}/send-reset-link`);
      expect(sent.url).toBe(`${server.issuer}/admin/accounts/${person.id}?done=reset-link-sent`);
      const { link } = await mailLink(env.smtp, 'forgetful@example.com', `${server.issuer}/account/reset?token=`);
      expect(sent.body).not.toContain(new URL(link).searchParams.get('token')!);
      expect(await eventsOf('account.password_reset_requested')).toContainEqual(['account.password_reset_requested', writer.id, 'operator']);
      await server.container.accounts.updateAccount(person.id, { status: 'disabled' });
      const refused = await post(`/admin/accounts/${person.id}/send-reset-link`);
      expect(refused.status).toBe(409);
      expect(refused.body).toContain('enable it');
      await env.flushMail();
      expect(env.smtp.pending('forgetful@example.com')).toEqual([]);
    });

    it('removes the second factor after a confirmation page', async () => {
      const person = await newAccount('lost-phone@example.com', 'a password long enough here');
      const { secret } = await server.container.mfa.beginTotpEnrollment(person.id, person.email);
      await server.container.mfa.confirmTotpEnrollment(person.id, await currentCode(secret, clock));
      const confirm = await open(`/admin/accounts/${person.id}/reset-mfa`);
      expect(confirm.body).toContain('Remove the second factor?');
      const removed = await post(`/admin/accounts/${person.id}/reset-mfa`);
      expect(removed.url).toContain('?done=mfa-reset');
      expect(await server.container.mfa.hasFactor(person.id)).toBe(false);
      expect(await eventsOf('mfa.reset')).toContainEqual(['mfa.reset', writer.id, undefined]);
      expect((await post(`/admin/accounts/${person.id}/reset-mfa`)).url).toContain('?done=mfa-none');
    });

    it('removes a passkey after a confirmation page that names it', async () => {
      const person = await newAccount('has-key@example.com', 'a password long enough here');
      const passkeyId = '00000000-0000-4000-8000-0000000000c1';
      await insertPasskey(server.container.db, { id: passkeyId, accountId: person.id, credentialId: 'Y29uc29sZS1rZXk', name: 'Work laptop' });
      const shown = await open(`/admin/accounts/${person.id}`);
      expect(shown.body).toContain('Work laptop');
      const confirm = await open(`/admin/accounts/${person.id}/remove-passkey?passkey=${passkeyId}`);
      expect(confirm.body).toContain('Remove the passkey “Work laptop”?');
      expect(confirm.body).toContain(`name="passkey" value="${passkeyId}"`);
      const removed = await post(`/admin/accounts/${person.id}/remove-passkey`, { passkey: passkeyId });
      expect(removed.url).toContain('?done=passkey-removed');
      expect(await server.container.passkeys.list(person.id)).toEqual([]);
      expect(await eventsOf('passkey.removed')).toContainEqual(['passkey.removed', writer.id, undefined]);
    });

    it("lists an application's access and revokes it", async () => {
      const person = await newAccount('app-user@example.com', 'the app user password');
      const app = await registerClient(server.issuer, server.container);
      await signIn(app, { email: 'app-user@example.com', password: 'the app user password' }, { scope: 'openid email', prompt: 'consent' });
      const shown = await open(`/admin/accounts/${person.id}`);
      expect(shown.body).toContain(app.clientId);
      const grantId = /name="grant" value="([^"]+)"/.exec(shown.body)![1];
      const revoked = await post(`/admin/accounts/${person.id}/revoke-grant`, { grant: grantId });
      expect(revoked.url).toContain('?done=grant-revoked');
      expect(revoked.body).toContain('No application has access');
      expect(await eventsOf('grant.revoked')).toContainEqual(['grant.revoked', writer.id, undefined]);
    });

    it('answers an unknown or malformed passkey or grant with a 404 page, not a 500', async () => {
      const person = await newAccount('no-keys@example.com');
      const shown = await open(`/admin/accounts/${person.id}`);
      expect(shown.body).toContain('No passkeys.');
      expect(shown.body).toContain('No application has access');
      for (const passkey of ['', 'nope', '00000000-0000-4000-8000-000000000000']) {
        expect((await open(`/admin/accounts/${person.id}/remove-passkey?passkey=${passkey}`)).status).toBe(404);
        expect((await post(`/admin/accounts/${person.id}/remove-passkey`, { passkey })).status).toBe(404);
      }
      expect((await post(`/admin/accounts/${person.id}/revoke-grant`, { grant: 'no-such-grant' })).status).toBe(404);
      expect((await post(`/admin/accounts/${person.id}/revoke-grant`, {})).status).toBe(404);
    });
  });

  describe('roles, groups and attributes', () => {
    it('gives and takes a role and a group picked from the existing ones', async () => {
      const person = await newAccount('member@example.com');
      const role = await server.container.roles.createRole({ name: 'support-agent', description: 'Answers tickets' }, TEST_ACTOR);
      const group = await server.container.groups.createGroup({ name: 'support' }, TEST_ACTOR);
      const access = await open(`/admin/accounts/${person.id}/access`);
      expect(access.body).toContain(`<option value="${role.id}">support-agent`);
      expect(access.body).toContain(`<option value="${group.id}">support`);
      const assigned = await post(`/admin/accounts/${person.id}/access/add-role`, { role: role.id });
      expect(assigned.url).toBe(`${server.issuer}/admin/accounts/${person.id}/access?done=role-assigned`);
      expect(assigned.body).toContain('/access/remove-role');
      const joined = await post(`/admin/accounts/${person.id}/access/add-group`, { group: group.id });
      expect(joined.url).toContain('?done=group-joined');
      expect((await server.container.groups.listGroupsOfAccountPage(person.id, { limit: 10 })).items.map((item) => item.id)).toEqual([group.id]);
      expect(await eventsOf('role.assigned', 'group.member_added')).toEqual(expect.arrayContaining([['role.assigned', writer.id, undefined], ['group.member_added', writer.id, undefined]]));
      await post(`/admin/accounts/${person.id}/access/remove-role`, { role: role.id });
      await post(`/admin/accounts/${person.id}/access/remove-group`, { group: group.id });
      const after = await open(`/admin/accounts/${person.id}/access`);
      expect(after.body).toContain('No roles of its own.');
      expect(after.body).toContain('In no group.');
      expect((await post(`/admin/accounts/${person.id}/access/add-role`, { role: 'not-a-role' })).status).toBe(404);
      expect((await post(`/admin/accounts/${person.id}/access/add-role`, { role: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    });

    it('saves attributes, and puts a refused value next to its field with nothing saved', async () => {
      await server.container.attributes.defineAttribute({ name: 'employee_number', type: 'string', rule: { pattern: '^E[0-9]{4}$' }, description: 'E and four digits' }, TEST_ACTOR);
      await server.container.attributes.defineAttribute({ name: 'desk_count', type: 'number' }, TEST_ACTOR);
      const person = await newAccount('staff@example.com');
      const saved = await post(`/admin/accounts/${person.id}/attributes/save`, { attr_department: 'Support', attr_employee_number: 'E1234', attr_desk_count: '2' });
      expect(saved.url).toContain('?done=attributes-saved');
      expect(await server.container.attributes.valuesOf(person.id)).toEqual({ department: 'Support', employee_number: 'E1234', desk_count: 2 });
      const refused = await post(`/admin/accounts/${person.id}/attributes/save`, { attr_department: 'Legal', attr_employee_number: 'nope', attr_desk_count: '2' });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('id="attr_employee_number-error"');
      expect(refused.body).toContain('value="Legal"');
      const notANumber = await post(`/admin/accounts/${person.id}/attributes/save`, { attr_desk_count: 'two' });
      expect(notANumber.status).toBe(400);
      expect(notANumber.body).toContain('id="attr_desk_count-error"');
      expect(await server.container.attributes.valuesOf(person.id)).toEqual({ department: 'Support', employee_number: 'E1234', desk_count: 2 });
      // An empty field removes an optional value.
      await post(`/admin/accounts/${person.id}/attributes/save`, { attr_department: '', attr_employee_number: 'E1234', attr_desk_count: '2' });
      expect(await server.container.attributes.valuesOf(person.id)).toEqual({ employee_number: 'E1234', desk_count: 2 });
    });

    it('shows a read-only operator no change buttons, and refuses its changes', async () => {
      const reader = await createOperator(server, clock, 'reader@example.com', ['admin:read']);
      const signedIn = await signInToConsole(server, reader, clock, '/admin/accounts');
      const person = await newAccount('untouched@example.com');
      const role = await server.container.roles.createRole({ name: 'not-for-readers' }, TEST_ACTOR);
      const shown = await signedIn.agent.request(`${server.issuer}/admin/accounts/${person.id}/access`);
      expect(shown.status).toBe(200);
      expect(shown.body).not.toContain('/access/add-role');
      const refused = await signedIn.agent.request(`${server.issuer}/admin/accounts/${person.id}/access/add-role`, { form: { csrf: UserAgent.field(signedIn.page, 'csrf'), role: role.id } });
      expect(refused.status).toBe(403);
      expect((await server.container.roles.listAssignmentsPage({ type: 'account', id: person.id }, { limit: 10 })).items).toEqual([]);
    });
  });
});
