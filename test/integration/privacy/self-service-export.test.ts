import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { followLink, mailLink, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { currentCode } from '../../support/mfa.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';
import { createFederationQueries } from '../../../src/federation/queries.js';

const PASSWORD = 'a long passphrase for the data page';
const first = 'first.address@example.com';
const second = 'second.address@example.com';
const other = { email: 'someone.else@example.com', department: 'Secret Other Department', subject: 'upstream-subject-of-other' };

/**
 * Issue 19, "Download my data" on the account page: one JSON file (the same export as the admin API)
 * and a readable page, with every item the issue lists, and nothing of another account.
 */
describe('the account page export', () => {
  let env: AccountTestServer;
  let admin: ApiClient;
  let web: RegisteredClient;
  let agent: UserAgent;
  let accountId: string;
  let otherId: string;

  beforeAll(async () => {
    env = await startAccountServer();
    const { container } = env.server;
    admin = await bootstrapAdmin(env.server);
    web = await registerClient(env.issuer, container);
    await container.attributes.defineAttribute({ name: 'department', type: 'string', editable_by: 'user' } as never, TEST_ACTOR);
    const connection = await container.connections.createConnection({ slug: 'corp', display_name: 'Corp SSO', issuer: 'https://sso.corp.example', client_id: 'broker', client_secret: 'a-client-secret-of-the-broker' }, TEST_ACTOR);
    const federation = createFederationQueries(container.db);

    // Someone else, with values of their own that must never appear in the export.
    otherId = (await container.accounts.createAccount({ email: other.email, password: PASSWORD, emailVerified: true })).id;
    await container.attributes.setValues(otherId, { department: other.department }, 'admin');
    await federation.insertIdentity({ connection_id: connection.id, subject: other.subject, account_id: otherId, email: other.email });
    await signIn(web, { email: other.email, password: PASSWORD });

    // The person: an application, a changed address, an attribute, a linked identity, then TOTP.
    accountId = (await container.accounts.createAccount({ email: first, name: 'Export Person', password: PASSWORD, emailVerified: true })).id;
    await signIn(web, { email: first, password: PASSWORD });
    agent = new UserAgent();
    await signInToAccount(agent, env.issuer, { email: first, password: PASSWORD });
    await submit(agent, await agent.request(`${env.issuer}/account/email`), '/account/email', { email: second });
    const { link } = await mailLink(env.smtp, second, `${env.issuer}/account/email/confirm?token=`);
    expect((await followLink(new UserAgent(), link)).url).toBe(`${env.issuer}/account/email/changed`);
    await container.attributes.setValues(accountId, { department: 'Orbital Mechanics' }, 'user');
    await federation.insertIdentity({ connection_id: connection.id, subject: 'upstream-subject-of-person', account_id: accountId, email: 'person@corp.example' });
    const { secret } = await container.mfa.beginTotpEnrollment(accountId, second);
    await container.mfa.confirmTotpEnrollment(accountId, await currentCode(secret, container.clock));
    await container.mfa.regenerateRecoveryCodes(accountId);
  });
  afterAll(() => env.close());

  it('downloads one JSON file, as an attachment, with every item and the same content as the admin API', async () => {
    const response = await agent.request(`${env.issuer}/account/data/export.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="account-${accountId}.json"`);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const document = JSON.parse(response.body);
    expect(document).toMatchObject({
      format: 'idp-account-export/1',
      account: { id: accountId, email: second, name: 'Export Person', has_password: true },
      attributes: { department: 'Orbital Mechanics' },
      email_history: [{ address: first, until: expect.any(String) }, { address: second, until: null }],
      linked_identities: [{ subject: 'upstream-subject-of-person', email: 'person@corp.example' }],
      second_factors: { totp: true, recovery_codes_remaining: 10, factors: [{ kind: 'totp', name: 'Authenticator app' }, { kind: 'recovery_codes', remaining: 10 }] },
      pending_deletion: null,
    });
    // The application, and the account pages' own built-in client.
    expect(document.applications).toEqual(expect.arrayContaining([expect.objectContaining({ client_id: web.clientId, scope: expect.stringContaining('openid') })]));
    expect(document.sessions.length).toBeGreaterThanOrEqual(1);
    expect(document.sessions[0]).toMatchObject({ ip: expect.any(String), user_agent: expect.any(String) });
    expect(document.account).not.toHaveProperty('password_hash');
    const types = document.events.map((event: { type: string }) => event.type);
    expect(types).toEqual(expect.arrayContaining(['login.succeeded', 'account.email_change_requested', 'account.email_changed']));
    expect(document.events.every((event: { account_id: string }) => event.account_id === accountId)).toBe(true);
    // Never a secret: no password hash, TOTP seed or recovery code hash.
    const text = JSON.stringify(document);
    const totp = await env.server.container.db('mfa_totp').where({ account_id: accountId }).first();
    const codes = await env.server.container.db('mfa_recovery_codes').where({ account_id: accountId });
    for (const secret of [totp.secret_sealed, ...codes.map((code: { code_hash: string }) => code.code_hash)]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\$2[aby]\$/);
    // Nothing of the other account.
    for (const value of [other.email, other.department, other.subject, otherId]) expect(text).not.toContain(value);
    // The same export as the admin API, apart from the moment and the export events themselves.
    const byAdmin = (await admin.call('GET', `/admin/api/v1/accounts/${accountId}/export`)).body;
    const comparable = (doc: Record<string, unknown>) => ({ ...doc, exported_at: undefined, events: undefined, sessions: (doc.sessions as { uid: string }[]).map((s) => s.uid) });
    expect(comparable(byAdmin)).toEqual(comparable(document));
    // The download is an audit event of the account itself.
    const [exported] = (await env.server.container.events.list({ accountId, types: ['account.exported'] }, { limit: 1, order: 'asc' })).items;
    expect(exported).toMatchObject({ actor_type: 'account', actor_id: accountId, detail: { as: 'file' } });
  });

  it('shows a readable page with every item, in the account pages\' layout, with no secret', async () => {
    const page = await agent.request(`${env.issuer}/account/data`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe((await agent.request(`${env.issuer}/account`)).headers.get('content-security-policy'));
    for (const text of ['Your data', second, first, 'Export Person', 'Orbital Mechanics', 'upstream-subject-of-person', 'Authenticator app', 'Recovery codes', 'Active sessions and devices', 'openid', 'login.succeeded', 'account.email_changed', 'href="/account/data/export.json"']) {
      expect(page.body).toContain(text);
    }
    for (const value of [other.email, other.department, other.subject]) expect(page.body).not.toContain(value);
  });

  it('needs a signed-in session: a visitor is sent to sign in and gets no data', async () => {
    for (const path of ['/account/data', '/account/data/export.json']) {
      const page = await new UserAgent().request(`${env.issuer}${path}`);
      expect(page.url).toContain('/interaction/');
      expect(page.body).not.toContain(second);
    }
  });
});
