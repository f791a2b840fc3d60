import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { exchangeCode, registerClient, signIn, startAuthorization, submitConsent, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';
import { clientCredentials, verifyAccessToken } from '../../support/tokens.js';
import { defineApi, defineRole, TEST_ACTOR } from '../../support/rbac.js';

const V1 = '/admin/api/v1';
const API = 'https://payroll.example.com';
const ann = { email: 'ann@example.com', password: 'ann has a long password' };

describe('custom attributes as claims', () => {
  let server: TestServer;
  let admin: ApiClient;
  let web: RegisteredClient;
  let annId: string;

  const discovery = async (issuer = server.issuer) => (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as Promise<{ scopes_supported: string[]; claims_supported: string[] }>;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    for (const attribute of [
      { name: 'department', type: 'enum', label: 'Department', rule: { options: ['Sales', 'Engineering'] }, show_at_signup: true, editable_by: 'user' },
      { name: 'employee_id', type: 'string', label: 'Employee number', rule: { pattern: 'E\\d{3,6}' } },
      { name: 'given_name', type: 'string' },
      { name: 'locality', type: 'string' },
      { name: 'phone_number', type: 'string' },
      { name: 'phone_number_verified', type: 'boolean' },
      { name: 'cost_center', type: 'number' },
    ]) {
      expect((await admin.call('POST', `${V1}/attributes`, attribute)).status).toBe(201);
    }
    expect((await admin.call('POST', `${V1}/scopes`, { name: 'employee', description: 'See your job details', claims: ['department', 'employee_id'] })).status).toBe(201);
    const created = await admin.call('POST', `${V1}/accounts`, {
      ...ann,
      email_verified: true,
      name: 'Ann Example',
      attributes: { department: 'Sales', employee_id: 'E1234', given_name: 'Ann', locality: 'Lyon', phone_number: '+33 1 23', phone_number_verified: true, cost_center: 42 },
    });
    expect(created.status).toBe(201);
    annId = created.body.id;
    web = await registerClient(server.issuer, server.container);
    const { ids } = await defineApi(server.container, API, ['payslips:read']);
    const reader = await defineRole(server.container, 'payslip-reader', [ids['payslips:read']]);
    await server.container.roles.assign(reader.id, { type: 'account', id: annId }, TEST_ACTOR);
  });
  afterAll(() => server.close());

  it('lists the custom and standard scopes and their claims in discovery, at once after the change', async () => {
    const document = await discovery();
    expect(document.scopes_supported).toEqual(expect.arrayContaining(['employee', 'phone', 'address', 'profile']));
    expect(document.claims_supported).toEqual(expect.arrayContaining(['department', 'employee_id', 'given_name', 'address', 'phone_number', 'phone_number_verified']));
    // An attribute in no scope is never a claim.
    expect(document.claims_supported).not.toContain('cost_center');
  });

  it('names each claim of a custom scope on the consent page, then releases them at userinfo only under that scope', async () => {
    const agent = new UserAgent('http://127.0.0.1:9/callback');
    const start = await startAuthorization(web, { scope: 'openid employee' });
    let page = await submitLogin(agent, await agent.request(start.url.href), ann.email, ann.password);
    expect(page.body).toContain('See your job details: Department, Employee number');
    page = await submitConsent(agent, page);
    const tokens = await exchangeCode(web, start, page.url);
    // conformIdTokenClaims: scope claims come from userinfo, not the ID token.
    expect(tokens.claims()).not.toHaveProperty('department');
    expect(await oidc.fetchUserInfo(web.config, tokens.access_token, annId)).toEqual({ sub: annId, department: 'Sales', employee_id: 'E1234' });

    const { start: other, callback } = await signIn(web, ann, { scope: 'openid profile phone address' });
    const profile = await exchangeCode(web, other, callback.url);
    expect(await oidc.fetchUserInfo(web.config, profile.access_token, annId)).toEqual({
      sub: annId,
      name: 'Ann Example',
      given_name: 'Ann',
      updated_at: expect.any(Number),
      phone_number: '+33 1 23',
      phone_number_verified: true,
      address: { locality: 'Lyon' },
    });
  });

  it('honours the claims parameter for the ID token, within the granted scopes, through code and refresh grants', async () => {
    const claims = JSON.stringify({ id_token: { department: null, given_name: null, unknown_claim: null }, userinfo: { employee_id: { essential: true } } });
    const { start, callback } = await signIn(web, ann, { scope: 'openid employee', claims });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.claims()).toMatchObject({ sub: annId, department: 'Sales' });
    // given_name is asked for, but its scope (profile) was not granted; unknown claims are ignored.
    expect(tokens.claims()).not.toHaveProperty('given_name');
    expect(tokens.claims()).not.toHaveProperty('unknown_claim');

    const refreshed = await oidc.refreshTokenGrant(web.config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: annId, department: 'Sales' });
    expect(refreshed.claims()).not.toHaveProperty('given_name');
    expect(await oidc.fetchUserInfo(web.config, refreshed.access_token, annId)).toEqual({ sub: annId, department: 'Sales', employee_id: 'E1234' });
  });

  it('releases nothing of a scope that was not requested, even when its claims are', async () => {
    const claims = JSON.stringify({ id_token: { department: null }, userinfo: { department: null, employee_id: null } });
    const { start, callback } = await signIn(web, ann, { scope: 'openid', claims });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.claims()).not.toHaveProperty('department');
    expect(await oidc.fetchUserInfo(web.config, tokens.access_token, annId)).toEqual({ sub: annId });
  });

  it('puts scope claims in the ID token when the access token is for an API (no userinfo), and never in the access token', async () => {
    const { start, callback } = await signIn(web, ann, { scope: 'openid employee payslips:read', resource: API });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.claims()).toMatchObject({ department: 'Sales', employee_id: 'E1234' });
    const access = await verifyAccessToken(server.issuer, tokens.access_token, API);
    expect(access).not.toHaveProperty('department');
    expect(access).not.toHaveProperty('employee_id');
  });

  it('gives a machine client (client credentials) no personal claims', async () => {
    const machine = await registerClient(server.issuer, server.container, { type: 'machine' });
    const tokens = await clientCredentials(machine, API);
    const access = await verifyAccessToken(server.issuer, tokens.access_token, API);
    expect(Object.keys(access).sort()).toEqual(['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'permissions', 'sub']);
  });

  it("narrows per client with the client's registered scope", async () => {
    const narrow = await admin.call('POST', `${V1}/clients`, { name: 'Narrow', type: 'web', redirect_uris: ['http://127.0.0.1:9/callback'], scope: 'openid profile' });
    expect(narrow.status).toBe(201);
    const client: RegisteredClient = {
      clientId: narrow.body.client_id,
      config: await oidc.discovery(new URL(server.issuer), narrow.body.client_id, undefined, oidc.ClientSecretBasic(narrow.body.client_secret), { execute: [oidc.allowInsecureRequests] }),
    };
    // The registered scope is the client's allow-list: asking for more is refused (invalid_scope).
    const { callback } = await signIn(client, ann, { scope: 'openid profile employee' });
    expect(new URL(callback.url).searchParams.get('error')).toBe('invalid_scope');
    const { start, callback: allowed } = await signIn(client, ann, { scope: 'openid profile' });
    const tokens = await exchangeCode(client, start, allowed.url);
    expect(await oidc.fetchUserInfo(client.config, tokens.access_token, annId)).toMatchObject({ given_name: 'Ann' });
  });

  it('validates values wherever they are written: a bad one is a 400 naming the attribute', async () => {
    const bad = async (attributes: Record<string, unknown>) => admin.call('PATCH', `${V1}/accounts/${annId}/attributes`, { attributes });
    expect((await bad({ employee_id: 'X1' })).body).toMatchObject({ status: 400, type: 'urn:idp:error:invalid-attribute', field: 'attributes.employee_id' });
    expect((await bad({ department: 'Marketing' })).body).toMatchObject({ status: 400, field: 'attributes.department', detail: expect.stringContaining('Sales, Engineering') });
    expect((await bad({ cost_center: 'forty' })).body).toMatchObject({ status: 400, field: 'attributes.cost_center' });
    expect((await bad({ favourite_colour: 'blue' })).body).toMatchObject({ status: 400, field: 'attributes.favourite_colour' });
    expect((await bad({ department: { nested: true } })).body).toMatchObject({ status: 400, field: 'attributes.department' });
    const changed = await bad({ department: 'Engineering', cost_center: null });
    expect(changed.status).toBe(200);
    expect(changed.body.attributes).toMatchObject({ department: 'Engineering' });
    expect(changed.body.attributes).not.toHaveProperty('cost_center');
  });

  it('survives schema changes: a required attribute binds new accounts only; deprecation keeps claims; removal needs deprecation first', async () => {
    expect((await admin.call('POST', `${V1}/attributes`, { name: 'badge', type: 'string', required: true })).status).toBe(201);
    expect((await admin.call('POST', `${V1}/accounts`, { email: 'newbie@example.com' })).body).toMatchObject({ status: 400, field: 'attributes.badge' });
    expect((await admin.call('POST', `${V1}/accounts`, { email: 'newbie@example.com', attributes: { badge: 'B-7' } })).status).toBe(201);
    // Ann predates the rule and keeps working; she cannot clear a required value, though.
    expect((await admin.call('PATCH', `${V1}/accounts/${annId}/attributes`, { attributes: { badge: null } })).body).toMatchObject({ status: 400, field: 'attributes.badge' });

    expect((await admin.call('DELETE', `${V1}/attributes/employee_id`)).body).toMatchObject({ status: 409, type: 'urn:idp:error:attribute-not-deprecated' });
    expect((await admin.call('PATCH', `${V1}/attributes/employee_id`, { status: 'deprecated' })).body.status).toBe('deprecated');
    expect((await admin.call('PATCH', `${V1}/accounts/${annId}/attributes`, { attributes: { employee_id: 'E9999' } })).body).toMatchObject({ status: 400, field: 'attributes.employee_id' });
    let { start, callback } = await signIn(web, ann, { scope: 'openid employee' });
    let tokens = await exchangeCode(web, start, callback.url);
    expect(await oidc.fetchUserInfo(web.config, tokens.access_token, annId)).toMatchObject({ employee_id: 'E1234' });

    expect((await admin.call('DELETE', `${V1}/attributes/employee_id`)).status).toBe(204);
    expect((await admin.call('GET', `${V1}/scopes/employee`)).body.claims).toEqual(['department']);
    expect((await admin.call('GET', `${V1}/accounts/${annId}/attributes`)).body.attributes).not.toHaveProperty('employee_id');
    expect((await discovery()).claims_supported).not.toContain('employee_id');
    ({ start, callback } = await signIn(web, ann, { scope: 'openid employee' }));
    tokens = await exchangeCode(web, start, callback.url);
    expect(await oidc.fetchUserInfo(web.config, tokens.access_token, annId)).toEqual({ sub: annId, department: 'Engineering' });
  });

  it('reaches another instance through the claims-mapping fingerprint', async () => {
    const other = await startTestServer({ testDatabase: server.testDatabase, testRedis: server.testRedis });
    try {
      expect((await discovery(other.issuer)).scopes_supported).toContain('employee');
      expect(await other.container.providers.refresh()).toBe(false);
      expect((await admin.call('POST', `${V1}/scopes`, { name: 'hr', claims: ['cost_center'] })).status).toBe(201);
      expect((await discovery(other.issuer)).scopes_supported).not.toContain('hr');
      // What the background watch does every KEY_REFRESH_INTERVAL_MS:
      expect(await other.container.providers.refresh()).toBe(true);
      expect((await discovery(other.issuer)).scopes_supported).toContain('hr');
      expect((await discovery(other.issuer)).claims_supported).toContain('cost_center');
    } finally {
      await other.close();
    }
  });
});
