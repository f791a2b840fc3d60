import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { alertOf, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'a sign-up passphrase that is long';

describe('profile attributes at sign-up', () => {
  let env: AccountTestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    env = await startAccountServer();
    const { attributes } = env.server.container;
    await attributes.defineAttribute(
      { name: 'department', type: 'enum', label: 'Department', required: true, rule: { options: ['Sales', 'Engineering'] }, show_at_signup: true },
      TEST_ACTOR,
    );
    await attributes.defineAttribute({ name: 'employee_id', type: 'string', label: 'Employee number', rule: { pattern: '^E[0-9]{4}$' }, show_at_signup: true }, TEST_ACTOR);
    await attributes.defineScope({ name: 'employee', description: 'Your job', claims: ['department', 'employee_id'] }, TEST_ACTOR);
    web = await registerClient(env.issuer, env.server.container);
  });
  afterAll(() => env.close());

  it('shows the sign-up fields, refuses a bad value naming the attribute, and creates nothing', async () => {
    const agent = new UserAgent();
    const form = await agent.request(`${env.issuer}/account/signup`);
    expect(form.body).toContain('name="attr_department"');
    // The operator's label is kept out of machine translation (translate="no"); "(optional)" comes from the catalog.
    expect(form.body).toContain('<span translate="no">Employee number</span> (optional)');
    const missing = await submit(agent, form, '/account/signup', { name: 'Ivy', email: 'ivy@example.com', password: PASSWORD });
    expect(missing.status).toBe(400);
    expect(alertOf(missing)).toContain('department');
    const bad = await submit(agent, missing, '/account/signup', { name: 'Ivy', email: 'ivy@example.com', password: PASSWORD, attr_department: 'Sales', attr_employee_id: 'X1' });
    expect(bad.status).toBe(400);
    expect(alertOf(bad)).toContain('employee_id');
    expect(await env.server.container.accounts.findByEmail('ivy@example.com')).toBeUndefined();
  });

  it('saves the values with the new account, and an app asking for the employee scope receives them', async () => {
    const agent = new UserAgent();
    const form = await agent.request(`${env.issuer}/account/signup`);
    const done = await submit(agent, form, '/account/signup', {
      name: 'Jo',
      email: 'jo@example.com',
      password: PASSWORD,
      attr_department: 'Engineering',
      attr_employee_id: 'E1234',
    });
    expect(done.url).toContain('/account/signup/sent');
    const account = (await env.server.container.accounts.findByEmail('jo@example.com'))!;
    await env.server.container.db('accounts').where({ id: account.id }).update({ email_verified: true });
    const { start, callback } = await signIn(web, { email: 'jo@example.com', password: PASSWORD }, { scope: 'openid employee' });
    const tokens = await exchangeCode(web, start, callback.url);
    const userinfo = await oidc.fetchUserInfo(web.config, tokens.access_token, account.id);
    expect(userinfo).toMatchObject({ sub: account.id, department: 'Engineering', employee_id: 'E1234' });
  });
});

describe('profile attributes on the account page', () => {
  let env: AccountTestServer;

  beforeAll(async () => {
    env = await startAccountServer();
    const { attributes } = env.server.container;
    await attributes.defineAttribute({ name: 'team', type: 'string', label: 'Team', rule: { max_length: 20 }, editable_by: 'user' }, TEST_ACTOR);
    await attributes.defineAttribute({ name: 'cost_center', type: 'string', label: 'Cost center', editable_by: 'admin' }, TEST_ACTOR);
    await env.server.container.accounts.createAccount({ email: 'kai@example.com', name: 'Kai', password: PASSWORD, emailVerified: true });
  });
  afterAll(() => env.close());

  it('lets the person edit their own attributes, never an admin-only one, with a 400 naming a bad value', async () => {
    const agent = new UserAgent();
    const page = await signInToAccount(agent, env.issuer, { email: 'kai@example.com', password: PASSWORD });
    expect(page.body).toContain('name="attr_team"');
    expect(page.body).not.toContain('attr_cost_center');
    const tooLong = await submit(agent, page, '/account/attributes', { attr_team: 'x'.repeat(21) });
    expect(tooLong.status).toBe(400);
    expect(alertOf(tooLong)).toContain('team');
    const saved = await submit(agent, tooLong, '/account/attributes', { attr_team: 'Platform', attr_cost_center: 'CC-9' });
    expect(saved.url).toContain('/account?done=attributes');
    const account = (await env.server.container.accounts.findByEmail('kai@example.com'))!;
    expect(await env.server.container.attributes.valuesOf(account.id)).toEqual({ team: 'Platform' });
    const cleared = await submit(agent, saved, '/account/attributes', { attr_team: '' });
    expect(cleared.url).toContain('done=attributes');
    expect(await env.server.container.attributes.valuesOf(account.id)).toEqual({});
  });
});
