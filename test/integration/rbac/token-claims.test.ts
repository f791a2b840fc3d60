import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { defineApi, defineRole, TEST_ACTOR } from '../../support/rbac.js';
import { clientCredentials, verifyAccessToken } from '../../support/tokens.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';

const API = 'https://invoices.example.com';
const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

describe('groups, roles and permissions in tokens', () => {
  let server: TestServer;
  let web: RegisteredClient;
  let aliceId: string;
  let ids: Record<string, string>;
  let writerRoleId: string;
  let financeId: string;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    const { container } = server;
    aliceId = (await container.accounts.createAccount({ ...alice, emailVerified: true })).id;
    ({ ids } = await defineApi(container, API, ['invoices:read', 'invoices:write', 'invoices:approve']));
    const reader = await defineRole(container, 'invoice-reader', [ids['invoices:read']]);
    writerRoleId = (await defineRole(container, 'invoice-writer', [ids['invoices:write']])).id;
    // alice ∈ accounting ⊂ finance; finance holds invoice-reader.
    const finance = await container.groups.createGroup({ name: 'finance' }, TEST_ACTOR);
    const accounting = await container.groups.createGroup({ name: 'accounting' }, TEST_ACTOR);
    financeId = finance.id;
    await container.groups.addMember(finance.id, { type: 'group', id: accounting.id }, TEST_ACTOR);
    await container.groups.addMember(accounting.id, { type: 'account', id: aliceId }, TEST_ACTOR);
    await container.roles.assign(reader.id, { type: 'group', id: finance.id }, TEST_ACTOR);
    web = await registerClient(server.issuer, server.container, { firstParty: true });
    admin = await bootstrapAdmin(server);
  });
  afterAll(() => server.close());

  it('puts groups and roles in the ID token and the held permissions in the access token', async () => {
    const { start, callback } = await signIn(web, alice, { scope: 'openid groups roles invoices:read invoices:write', resource: API });
    const tokens = await exchangeCode(web, start, callback.url);
    // The token response's scope is the access token's: the API's permissions that were both asked for and held.
    expect(tokens.scope).toBe('invoices:read');
    expect(tokens.claims()).toEqual({
      iss: server.issuer,
      sub: aliceId,
      aud: web.clientId,
      exp: expect.any(Number),
      iat: expect.any(Number),
      nonce: start.nonce,
      acr: 'urn:idp:acr:pwd',
      amr: ['pwd'],
      auth_time: expect.any(Number),
      groups: ['accounting', 'finance'],
      roles: ['invoice-reader'],
    });
    const access = await verifyAccessToken(server.issuer, tokens.access_token, API);
    expect(access).toEqual({
      iss: server.issuer,
      sub: aliceId,
      aud: API,
      client_id: web.clientId,
      scope: 'invoices:read',
      permissions: ['invoices:read'],
      acr: 'urn:idp:acr:pwd',
      amr: ['pwd'],
      auth_time: expect.any(Number),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
  });

  it("limits a person's token to what was asked for as scope: no scope delegates no permission", async () => {
    const { start, callback } = await signIn(web, alice, { scope: 'openid', resource: API });
    const tokens = await exchangeCode(web, start, callback.url);
    const access = await verifyAccessToken(server.issuer, tokens.access_token, API);
    expect(access).not.toHaveProperty('scope');
    expect(access.permissions).toEqual([]);
  });

  it('releases groups and roles at userinfo only under their scopes', async () => {
    const { start, callback } = await signIn(web, alice, { scope: 'openid groups' });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.claims()).toMatchObject({ groups: ['accounting', 'finance'] });
    expect(tokens.claims()).not.toHaveProperty('roles');
    const userinfo = await oidc.fetchUserInfo(web.config, tokens.access_token, aliceId);
    expect(userinfo).toEqual({ sub: aliceId, groups: ['accounting', 'finance'] });
  });

  it('shows a role change in the next refresh, and narrows a refresh to what is still held', async () => {
    const { start, callback } = await signIn(web, alice, { scope: 'openid roles invoices:read invoices:write', resource: API });
    const first = await exchangeCode(web, start, callback.url);
    expect((await verifyAccessToken(server.issuer, first.access_token, API)).permissions).toEqual(['invoices:read']);

    expect((await admin.call('PUT', `/admin/api/v1/accounts/${aliceId}/roles/${writerRoleId}`)).status).toBe(204);
    const second = await oidc.refreshTokenGrant(web.config, first.refresh_token!);
    expect(second.scope).toBe('invoices:read invoices:write');
    expect(second.claims()?.roles).toEqual(['invoice-reader', 'invoice-writer']);
    const access = await verifyAccessToken(server.issuer, second.access_token, API);
    expect(access).toMatchObject({ scope: 'invoices:read invoices:write', permissions: ['invoices:read', 'invoices:write'] });

    expect((await admin.call('DELETE', `/admin/api/v1/accounts/${aliceId}/roles/${writerRoleId}`)).status).toBe(204);
    const third = await oidc.refreshTokenGrant(web.config, second.refresh_token!);
    expect(third.claims()?.roles).toEqual(['invoice-reader']);
    expect(await verifyAccessToken(server.issuer, third.access_token, API)).toMatchObject({ scope: 'invoices:read', permissions: ['invoices:read'] });
  });

  it('shows a membership change in the next ID token and userinfo (admin API)', async () => {
    const audit = (await admin.call('POST', '/admin/api/v1/groups', { name: 'auditors' })).body;
    expect((await admin.call('PUT', `/admin/api/v1/groups/${audit.id}/members/accounts/${aliceId}`)).status).toBe(204);
    const { start, callback } = await signIn(web, alice, { scope: 'openid groups' });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.claims()?.groups).toEqual(['accounting', 'auditors', 'finance']);
    expect((await admin.call('DELETE', `/admin/api/v1/groups/${audit.id}/members/accounts/${aliceId}`)).status).toBe(204);
    expect((await oidc.fetchUserInfo(web.config, tokens.access_token, aliceId)).groups).toEqual(['accounting', 'finance']);
  });

  it('refuses with invalid_scope when none of the requested permissions is held', async () => {
    const { start, callback } = await signIn(web, alice, { scope: 'openid invoices:approve', resource: API });
    await expect(exchangeCode(web, start, callback.url)).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a refresh with invalid_scope once every requested permission is gone', async () => {
    const { start, callback } = await signIn(web, alice, { scope: 'openid invoices:read', resource: API });
    const tokens = await exchangeCode(web, start, callback.url);
    const role = await server.container.roles.findRoleByName('invoice-reader');
    await server.container.roles.unassign(role!.id, { type: 'group', id: financeId }, TEST_ACTOR);
    try {
      await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_scope' });
    } finally {
      await server.container.roles.assign(role!.id, { type: 'group', id: financeId }, TEST_ACTOR);
    }
  });

  describe('client credentials', () => {
    let machine: RegisteredClient;
    let roleId: string;

    beforeAll(async () => {
      machine = await registerClient(server.issuer, server.container, { type: 'machine' });
      roleId = (await defineRole(server.container, 'invoice-bot', [ids['invoices:read'], ids['invoices:approve']])).id;
      await server.container.roles.assign(roleId, { type: 'client', id: machine.clientId }, TEST_ACTOR);
    });

    it("carries the machine client's own permissions, and narrows the requested scope to them", async () => {
      const tokens = await clientCredentials(machine, API, 'invoices:read invoices:write');
      expect(tokens.scope).toBe('invoices:read');
      expect(await verifyAccessToken(server.issuer, tokens.access_token, API)).toEqual({
        iss: server.issuer,
        sub: machine.clientId,
        aud: API,
        client_id: machine.clientId,
        scope: 'invoices:read',
        permissions: ['invoices:approve', 'invoices:read'],
        jti: expect.any(String),
        iat: expect.any(Number),
        exp: expect.any(Number),
      });
    });

    it('refuses with invalid_scope when nothing requested is held', async () => {
      await expect(clientCredentials(machine, API, 'invoices:write')).rejects.toMatchObject({ error: 'invalid_scope' });
    });

    it('carries the permissions of an opaque token in its introspection', async () => {
      const OPAQUE = 'https://opaque.example.com';
      const { ids: opaqueIds } = await defineApi(server.container, OPAQUE, ['reports:run']);
      await server.container.resources.updateResource((await server.container.resources.findResourceByIdentifier(OPAQUE))!.id, { tokenFormat: 'opaque' }, TEST_ACTOR);
      await server.container.roles.addPermissions(roleId, [opaqueIds['reports:run']], TEST_ACTOR);
      const tokens = await clientCredentials(machine, OPAQUE, 'reports:run');
      expect(tokens.access_token.split('.')).toHaveLength(1);
      expect(await oidc.tokenIntrospection(machine.config, tokens.access_token)).toMatchObject({
        active: true,
        aud: OPAQUE,
        scope: 'reports:run',
        permissions: ['reports:run'],
        client_id: machine.clientId,
      });
    });

    it('shows a removed permission in the next token', async () => {
      expect((await admin.call('DELETE', `/admin/api/v1/roles/${roleId}/permissions/${ids['invoices:approve']}`)).status).toBe(204);
      const tokens = await clientCredentials(machine, API);
      expect(tokens.scope).toBeUndefined();
      expect((await verifyAccessToken(server.issuer, tokens.access_token, API)).permissions).toEqual(['invoices:read']);
    });
  });
});
