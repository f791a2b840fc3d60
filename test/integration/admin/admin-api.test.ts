import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { adminWith, bootstrapAdmin, machineToken, type ApiClient, type ApiResponse } from '../../support/admin.js';
import { ADMIN_ROUTES, fillPath, INVALID_INPUTS, matchRoute, routeKey, VALID_BODIES } from '../../support/admin-routes.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { exchangeCode, registerClient, signIn, startAuthorization } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startWebhookReceiver } from '../../support/webhook-receiver.js';

const V1 = '/admin/api/v1';

describe('admin API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let reader: ApiClient;
  let nobody: ApiClient;
  /** Routes that answered 2xx somewhere in this file. */
  const succeeded = new Set<string>();

  /** Calls as the full admin and remembers which declared route succeeded. */
  async function call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const response = await admin.call(method, path, body);
    const route = matchRoute(method, path);
    if (route && response.status >= 200 && response.status < 300) succeeded.add(routeKey(route));
    return response;
  }

  /**
   * Follows next_cursor from the first page to the last, calling `between` after each page. Every
   * page but the last must be full.
   */
  async function pageThrough(path: string, limit: number, between: (pagesSoFar: number) => Promise<unknown> = async () => undefined) {
    const items: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiResponse = await call('GET', `${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      if (page.body.next_cursor) expect(page.body.items).toHaveLength(limit);
      else expect(page.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.body.items);
      cursor = page.body.next_cursor;
      pages += 1;
      await between(pages);
    } while (cursor);
    return { items, pages };
  }

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    reader = await adminWith(server, ['admin:read']);
    nobody = await adminWith(server, []);
  });
  afterAll(() => server.close());

  describe('every route, in a real scenario', () => {
    it('manages an API, its permissions, roles, groups, memberships, assignments and object grants', async () => {
      const created = await call('POST', `${V1}/resources`, {
        identifier: 'https://crm.example.com',
        name: 'CRM',
        permissions: [{ name: 'contacts:read', description: 'Read contacts' }, { name: 'contacts:write' }],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ identifier: 'https://crm.example.com', name: 'CRM', system: false, token_format: 'jwt' });
      const resourceId = created.body.id;
      const read = created.body.permissions.find((p: { name: string }) => p.name === 'contacts:read');

      expect((await call('GET', `${V1}/resources?limit=100`)).body.items.map((r: { identifier: string }) => r.identifier)).toEqual(
        expect.arrayContaining([server.container.systemApis.admin.identifier, 'https://crm.example.com']),
      );
      expect((await call('GET', `${V1}/resources/${resourceId}`)).body.permissions).toHaveLength(2);
      expect((await call('PATCH', `${V1}/resources/${resourceId}`, { description: 'Customers', access_token_ttl: 300 })).body).toMatchObject({
        description: 'Customers',
        access_token_ttl: 300,
      });
      const extra = await call('POST', `${V1}/resources/${resourceId}/permissions`, { name: 'contacts:export' });
      expect(extra.status).toBe(201);
      const permissions = await call('GET', `${V1}/resources/${resourceId}/permissions`);
      expect(permissions.body.next_cursor).toBeNull();
      // Creation order: the two declared with the API (one statement, so ordered by id), then the added one.
      expect(permissions.body.items.slice(0, 2).map((p: { name: string }) => p.name).sort()).toEqual(['contacts:read', 'contacts:write']);
      expect(permissions.body.items.map((p: { name: string }) => p.name)[2]).toBe('contacts:export');
      expect((await call('GET', `${V1}/resources/${resourceId}/permissions/${extra.body.id}`)).body.name).toBe('contacts:export');
      expect((await call('PATCH', `${V1}/resources/${resourceId}/permissions/${extra.body.id}`, { name: 'contacts:dump' })).body.name).toBe('contacts:dump');

      const role = await call('POST', `${V1}/roles`, { name: 'crm-viewer', permission_ids: [read.id] });
      expect(role.status).toBe(201);
      expect(role.body.permissions).toEqual([expect.objectContaining({ name: 'contacts:read', resource: 'https://crm.example.com' })]);
      expect((await call('PUT', `${V1}/roles/${role.body.id}/permissions/${extra.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/roles/${role.body.id}/permissions`)).body.items).toHaveLength(2);
      expect((await call('DELETE', `${V1}/roles/${role.body.id}/permissions/${extra.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/roles/${role.body.id}`)).body.permissions).toHaveLength(1);
      expect((await call('PATCH', `${V1}/roles/${role.body.id}`, { description: 'Sees contacts' })).body.description).toBe('Sees contacts');
      expect((await call('GET', `${V1}/roles`)).body.items.map((r: { name: string }) => r.name)).toContain('crm-viewer');

      const sales = await call('POST', `${V1}/groups`, { name: 'sales' });
      const emea = await call('POST', `${V1}/groups`, { name: 'sales-emea', description: 'Europe' });
      expect([sales.status, emea.status]).toEqual([201, 201]);
      expect((await call('PUT', `${V1}/groups/${sales.body.id}/members/groups/${emea.body.id}`)).status).toBe(204);
      expect((await call('PUT', `${V1}/groups/${sales.body.id}/roles/${role.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/groups/${sales.body.id}/roles`)).body.items).toEqual([
        expect.objectContaining({ role: 'crm-viewer', subject_type: 'group', subject_id: sales.body.id }),
      ]);
      expect((await call('GET', `${V1}/roles/${role.body.id}/assignments`)).body.items).toHaveLength(1);

      const account = await call('POST', `${V1}/accounts`, { email: 'dana@example.com', name: 'Dana', password: 'a long enough password', email_verified: true });
      expect(account.status).toBe(201);
      expect(account.body).toEqual({
        id: expect.any(String),
        email: 'dana@example.com',
        email_verified: true,
        name: 'Dana',
        status: 'active',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        last_login_at: null,
        locked_at: null,
      });
      const danaId = account.body.id;
      expect((await call('PUT', `${V1}/groups/${emea.body.id}/members/accounts/${danaId}`)).status).toBe(204);
      expect((await call('GET', `${V1}/accounts/${danaId}/groups`)).body.items).toEqual([expect.objectContaining({ id: emea.body.id, name: 'sales-emea', added_at: expect.any(String) })]);
      expect((await call('GET', `${V1}/groups/${emea.body.id}/members`)).body.items).toEqual([
        expect.objectContaining({ type: 'account', id: danaId, name: 'dana@example.com' }),
      ]);
      expect((await call('GET', `${V1}/groups/${sales.body.id}/members`)).body.items).toEqual([
        expect.objectContaining({ type: 'group', id: emea.body.id, name: 'sales-emea' }),
      ]);
      expect((await call('GET', `${V1}/groups/${sales.body.id}`)).body.name).toBe('sales');
      expect((await call('PATCH', `${V1}/groups/${sales.body.id}`, { description: 'Everyone in sales' })).body.description).toBe('Everyone in sales');
      expect((await call('GET', `${V1}/groups?limit=10`)).body.items).toHaveLength(2);

      const writeRole = await call('POST', `${V1}/roles`, { name: 'crm-editor' });
      expect((await call('PUT', `${V1}/accounts/${danaId}/roles/${writeRole.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/accounts/${danaId}/roles`)).body.items).toEqual([expect.objectContaining({ role: 'crm-editor' })]);
      expect((await call('DELETE', `${V1}/accounts/${danaId}/roles/${writeRole.body.id}`)).status).toBe(204);

      const grant = await call('POST', `${V1}/object-grants`, {
        subject_type: 'account',
        subject_id: danaId,
        resource: 'https://crm.example.com',
        permission: 'contacts:write',
        object: 'contact:1001',
      });
      expect(grant.status).toBe(201);
      expect(grant.body).toMatchObject({ permission: 'contacts:write', object: 'contact:1001', subject_type: 'account', subject_id: danaId });
      const byGroup = await call('POST', `${V1}/object-grants`, { subject_type: 'group', subject_id: sales.body.id, permission_id: read.id, object: 'contact:7' });
      expect(byGroup.status).toBe(201);
      expect((await call('GET', `${V1}/object-grants?account_id=${danaId}`)).body.items).toHaveLength(1);
      expect((await call('GET', `${V1}/object-grants?object=contact:7`)).body.items).toEqual([expect.objectContaining({ id: byGroup.body.id })]);
      expect((await call('GET', `${V1}/object-grants/${grant.body.id}`)).body.object).toBe('contact:1001');
      expect((await call('DELETE', `${V1}/object-grants/${grant.body.id}`)).status).toBe(204);

      // Tear down in the other direction.
      expect((await call('DELETE', `${V1}/groups/${emea.body.id}/members/accounts/${danaId}`)).status).toBe(204);
      expect((await call('DELETE', `${V1}/groups/${sales.body.id}/members/groups/${emea.body.id}`)).status).toBe(204);
      expect((await call('DELETE', `${V1}/groups/${sales.body.id}/roles/${role.body.id}`)).status).toBe(204);
      expect((await call('DELETE', `${V1}/groups/${emea.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/groups/${emea.body.id}`)).status).toBe(404);
      expect((await call('DELETE', `${V1}/roles/${writeRole.body.id}`)).status).toBe(204);
      expect((await call('DELETE', `${V1}/resources/${resourceId}/permissions/${extra.body.id}`)).status).toBe(204);
      expect((await call('DELETE', `${V1}/resources/${resourceId}`)).status).toBe(204);
      expect((await call('GET', `${V1}/object-grants/${byGroup.body.id}`)).status).toBe(404);
    });

    it('manages clients: register, change, rotate the secret, give a role, delete', async () => {
      const created = await call('POST', `${V1}/clients`, { name: 'Reports bot', type: 'machine' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Reports bot', type: 'machine', grant_types: ['client_credentials'], client_secret: expect.any(String) });
      const clientId = created.body.client_id;
      expect((await call('GET', `${V1}/clients/${clientId}`)).body).not.toHaveProperty('client_secret');
      expect((await call('GET', `${V1}/clients?limit=200`)).body.items.map((c: { client_id: string }) => c.client_id)).toContain(clientId);
      expect((await call('PATCH', `${V1}/clients/${clientId}`, { name: 'Reporting bot' })).body.name).toBe('Reporting bot');

      const audience = server.container.systemApis.admin.identifier;
      await expect(machineToken(server, clientId, created.body.client_secret, audience)).resolves.toEqual(expect.any(String));
      const rotated = await call('POST', `${V1}/clients/${clientId}/secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.client_secret).not.toBe(created.body.client_secret);
      await expect(machineToken(server, clientId, created.body.client_secret, audience)).rejects.toMatchObject({ status: 401 });
      await expect(machineToken(server, clientId, rotated.body.client_secret, audience)).resolves.toEqual(expect.any(String));

      const role = await call('POST', `${V1}/roles`, { name: 'report-runner' });
      expect((await call('PUT', `${V1}/clients/${clientId}/roles/${role.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/clients/${clientId}/roles`)).body.items).toEqual([expect.objectContaining({ role: 'report-runner', subject_type: 'client' })]);
      expect((await call('DELETE', `${V1}/clients/${clientId}/roles/${role.body.id}`)).status).toBe(204);

      // Its token exchange policy (RFC 8693; test/integration/protocol/token-exchange.test.ts has the protocol side).
      const api = await call('POST', `${V1}/resources`, { identifier: 'https://reports.example.test/api', permissions: [{ name: 'reports:read' }] });
      expect((await call('GET', `${V1}/clients/${clientId}/token-exchange`)).body).toEqual({ client_id: clientId, targets: [] });
      expect((await call('PUT', `${V1}/clients/${clientId}/token-exchange`, { targets: [{ resource: api.body.identifier, scopes: ['reports:read'] }] })).body)
        .toEqual({ client_id: clientId, targets: [{ resource: api.body.identifier, scopes: ['reports:read'] }] });
      expect((await call('DELETE', `${V1}/clients/${clientId}/token-exchange`)).status).toBe(204);
      expect((await call('GET', `${V1}/clients/${clientId}/token-exchange`)).body.targets).toEqual([]);
      expect((await call('DELETE', `${V1}/resources/${api.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/clients/${clientId}/backchannel-logout-deliveries?status=failed`)).body).toEqual({ items: [] });
      expect((await call('DELETE', `${V1}/clients/${clientId}`)).status).toBe(204);
      expect((await call('GET', `${V1}/clients/${clientId}`)).status).toBe(404);

      const web = await call('POST', `${V1}/clients`, { name: 'Shop', type: 'web', redirect_uris: ['https://shop.example.com/cb'] });
      expect(web.status).toBe(201);
      const spa = await call('POST', `${V1}/clients`, { name: 'Widget', type: 'spa', redirect_uris: ['https://widget.example.com/cb'] });
      expect(spa.body).not.toHaveProperty('client_secret');
      expect((await call('POST', `${V1}/clients/${spa.body.client_id}/secret`)).body).toMatchObject({ status: 409, type: 'urn:idp:error:public-client' });
      const noRedirect = await call('POST', `${V1}/clients`, { name: 'Broken', type: 'web' });
      expect(noRedirect.body).toMatchObject({ status: 400, field: 'redirect_uris' });
      expect((await call('PUT', `${V1}/clients/${web.body.client_id}/roles/${role.body.id}`)).body).toMatchObject({ status: 400, type: 'urn:idp:error:not-a-machine-client' });
    });

    it("manages accounts, and lists and ends an account's sessions and grants", async () => {
      const erin = await call('POST', `${V1}/accounts`, { email: 'erin@example.com', password: 'erins long password' });
      const erinId = erin.body.id;
      expect((await call('GET', `${V1}/accounts/${erinId}`)).body.email).toBe('erin@example.com');
      expect((await call('GET', `${V1}/accounts?email=ERIN@example.com`)).body.items).toEqual([expect.objectContaining({ id: erinId })]);
      expect((await call('PATCH', `${V1}/accounts/${erinId}`, { name: 'Erin', email_verified: true })).body).toMatchObject({ name: 'Erin', email_verified: true });

      const web = await registerClient(server.issuer, server.container);
      const first = await signIn(web, { email: 'erin@example.com', password: 'erins long password' }, { scope: 'openid offline_access', prompt: 'consent' });
      const tokens = await exchangeCode(web, first.start, first.callback.url);
      await signIn(web, { email: 'erin@example.com', password: 'erins long password' });

      const sessions = await call('GET', `${V1}/accounts/${erinId}/sessions`);
      expect(sessions.body.items).toHaveLength(2);
      expect(sessions.body.items[0]).toEqual({ uid: expect.any(String), login_at: expect.any(String), expires_at: expect.any(String), client_ids: [web.clientId] });
      const grants = await call('GET', `${V1}/accounts/${erinId}/grants`);
      // One grant per consent: the offline one, and the one of the second sign-in's other scopes.
      expect(grants.body.items.map((grant: { scope: string }) => grant.scope).sort()).toEqual(['openid email profile', 'openid offline_access']);
      expect(grants.body.items.every((grant: { client_id: string }) => grant.client_id === web.clientId)).toBe(true);
      const offline = grants.body.items.find((grant: { scope: string }) => grant.scope === 'openid offline_access');

      // Paged one at a time. An index row whose session is gone (made first here) is dropped without
      // leaving a short page behind.
      const long = new Date('2020-01-01T00:00:00Z');
      await server.container.db('browser_sessions').insert({ uid: 'stale-session', account_id: erinId, sealed_session_id: 'gone', created_at: long, last_seen_at: long });
      const pagedSessions = await pageThrough(`${V1}/accounts/${erinId}/sessions`, 1);
      expect(pagedSessions.items.map((session: { uid: string }) => session.uid).sort()).toEqual(sessions.body.items.map((session: { uid: string }) => session.uid).sort());
      expect(pagedSessions.pages).toBe(2);
      expect(await server.container.db('browser_sessions').where({ uid: 'stale-session' }).first()).toBeUndefined();
      const pagedGrants = await pageThrough(`${V1}/accounts/${erinId}/grants`, 1);
      expect(pagedGrants.items.map((grant: { grant_id: string }) => grant.grant_id)).toEqual(grants.body.items.map((grant: { grant_id: string }) => grant.grant_id));
      expect(pagedGrants.pages).toBe(2);

      expect((await call('DELETE', `${V1}/accounts/${erinId}/grants/${offline.grant_id}`)).status).toBe(204);
      await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      expect((await call('GET', `${V1}/accounts/${erinId}/grants`)).body.items).toHaveLength(1);

      expect((await call('DELETE', `${V1}/accounts/${erinId}/sessions/${sessions.body.items[0].uid}`)).status).toBe(204);
      expect((await call('GET', `${V1}/accounts/${erinId}/sessions`)).body.items).toHaveLength(1);
      expect((await call('DELETE', `${V1}/accounts/${erinId}/sessions`)).status).toBe(204);
      // Unlock and MFA reset: lockout and second factors are managed here as well as with the CLI.
      await server.container.accounts.lock(erinId);
      expect((await call('GET', `${V1}/accounts?locked=true`)).body.items.map((item: { id: string }) => item.id)).toEqual([erinId]);
      const unlocked = await call('POST', `${V1}/accounts/${erinId}/unlock`);
      expect(unlocked.status).toBe(200);
      expect(unlocked.body.locked_at).toBeNull();
      expect((await call('GET', `${V1}/accounts?locked=true`)).body.items).toEqual([]);
      const reset = await call('POST', `${V1}/accounts/${erinId}/mfa/reset`);
      expect(reset).toMatchObject({ status: 200, body: { had_factor: false } });
      // Links mailed to the person (never in the answer), and linked identities (read-only here).
      expect(await call('POST', `${V1}/accounts/${erinId}/password-reset`)).toMatchObject({ status: 204, body: undefined });
      expect(await call('POST', `${V1}/accounts/${erinId}/invitation`)).toMatchObject({ status: 204, body: undefined });
      expect((await call('GET', `${V1}/accounts/${erinId}/identities`)).body).toEqual({ items: [] });
      // Passkeys: listed and removed here too (test/integration/passkeys/admin-and-cli.test.ts has the refusals).
      await insertPasskey(server.container.db, { id: '00000000-0000-4000-8000-0000000000e1', accountId: erinId, credentialId: 'ZXJpbi1rZXk', name: 'Erin key' });
      expect((await call('GET', `${V1}/accounts/${erinId}/passkeys`)).body.items).toMatchObject([{ name: 'Erin key' }]);
      expect((await call('DELETE', `${V1}/accounts/${erinId}/passkeys/00000000-0000-4000-8000-0000000000e1`)).status).toBe(204);
      expect((await call('POST', `${V1}/accounts/00000000-0000-4000-8000-000000000000/unlock`)).status).toBe(404);
      expect((await call('GET', `${V1}/accounts/${erinId}/sessions`)).body.items).toEqual([]);
      // A browser whose session ended is asked to sign in again.
      const again = await first.agent.request((await startAuthorization(web, { prompt: 'none' })).url.href);
      expect(new URL(again.url).searchParams.get('error')).toBe('login_required');

      const exported = await call('GET', `${V1}/accounts/${erinId}/export`);
      expect(exported).toMatchObject({ status: 200, body: { account: { id: erinId, email: 'erin@example.com' } } });
      expect(JSON.stringify(exported.body)).not.toContain('password_hash');
      expect((await call('DELETE', `${V1}/accounts/${erinId}`)).status).toBe(204);
      expect((await call('GET', `${V1}/accounts/${erinId}`)).status).toBe(404);
    });

    it('manages upstream connections and which of them a client offers, never showing their secrets', async () => {
      const group = await call('POST', `${V1}/groups`, { name: 'upstream-admins' });
      const created = await call('POST', `${V1}/connections`, {
        slug: 'acme',
        display_name: 'Acme SSO',
        issuer: 'https://login.acme.example',
        client_id: 'our-id-at-acme',
        client_secret: 'acme-upstream-secret',
        domains: ['acme.example'],
        groups_claim: 'groups',
        group_map: { admins: group.body.id },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ slug: 'acme', kind: 'oidc', has_client_secret: true, redirect_uri: `${server.issuer}/federation/callback/acme` });
      expect(JSON.stringify(created.body)).not.toContain('acme-upstream-secret');
      const github = await call('POST', `${V1}/connections`, { preset: 'github', client_id: 'gh-id', client_secret: 'gh-secret' });
      expect(github.body).toMatchObject({ slug: 'github', kind: 'oauth2', userinfo_endpoint: 'https://api.github.com/user' });
      expect((await call('POST', `${V1}/connections`, { preset: 'github', client_id: 'again' })).status).toBe(409);
      expect((await call('POST', `${V1}/connections`, { slug: 'other', issuer: 'https://other.example', client_id: 'x', domains: ['acme.example'] })).status).toBe(409);
      expect((await call('POST', `${V1}/connections`, { slug: 'plain', kind: 'oauth2', client_id: 'x', authorization_endpoint: 'https://p.example/authorize' })).body).toMatchObject({ status: 400, field: 'token_endpoint' });
      expect((await call('GET', `${V1}/connections`)).body.items.map((c: { slug: string }) => c.slug)).toEqual(['acme', 'github']);
      expect((await call('GET', `${V1}/connections/${created.body.id}`)).body.display_name).toBe('Acme SSO');
      expect((await call('PATCH', `${V1}/connections/${created.body.id}`, { enabled: false, client_secret: 'rotated-upstream-secret' })).body).toMatchObject({ enabled: false });
      const web = await call('POST', `${V1}/clients`, { name: 'Federated app', type: 'web', redirect_uris: ['https://app.example/cb'] });
      expect((await call('GET', `${V1}/clients/${web.body.client_id}/connections`)).body).toEqual({ client_id: web.body.client_id, connection_ids: null });
      expect((await call('PUT', `${V1}/clients/${web.body.client_id}/connections`, { connection_ids: [github.body.id] })).body.connection_ids).toEqual([github.body.id]);
      expect((await call('PUT', `${V1}/clients/${web.body.client_id}/connections`, { connection_ids: [crypto.randomUUID()] })).status).toBe(400);
      expect((await call('DELETE', `${V1}/connections/${github.body.id}`)).status).toBe(204);
      const row = await server.container.db('federation_connections').where({ id: created.body.id }).first();
      expect(row.client_secret_sealed).toMatch(/^v1\./);
      const stored = JSON.stringify([row, await server.container.db('events').select('*')]);
      for (const secret of ['acme-upstream-secret', 'rotated-upstream-secret', 'gh-secret']) expect(stored).not.toContain(secret);
    });

    it('manages SCIM directories and their provisioning tokens, never listing token values', async () => {
      const robot = await call('POST', `${V1}/clients`, { name: 'Okta provisioning', type: 'machine' });
      const created = await call('POST', `${V1}/scim/directories`, { name: 'Acme Okta', send_invitations: false });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Acme Okta', client_id: null, send_invitations: false });
      expect((await call('POST', `${V1}/scim/directories`, { name: 'acme okta' })).status).toBe(409);
      expect((await call('GET', `${V1}/scim/directories`)).body.items.map((d: { name: string }) => d.name)).toEqual(['Acme Okta']);
      const renamed = await call('PATCH', `${V1}/scim/directories/${created.body.id}`, { name: 'Acme Workforce', client_id: robot.body.client_id });
      expect(renamed.body).toMatchObject({ name: 'Acme Workforce', client_id: robot.body.client_id });
      expect((await call('GET', `${V1}/scim/directories/${created.body.id}`)).body).toMatchObject({ name: 'Acme Workforce', users: 0, groups: 0 });
      const token = await call('POST', `${V1}/scim/directories/${created.body.id}/tokens`, { label: 'okta' });
      expect(token.status).toBe(201);
      expect(token.body.token).toMatch(/^idp_scim_/);
      const rotated = await call('POST', `${V1}/scim/directories/${created.body.id}/tokens/${token.body.id}/rotate`);
      expect(rotated.status).toBe(201);
      const listed = await call('GET', `${V1}/scim/directories/${created.body.id}/tokens`);
      expect(listed.body.items).toHaveLength(2);
      expect(JSON.stringify(listed.body)).not.toContain(token.body.token);
      expect(JSON.stringify(listed.body)).not.toContain(rotated.body.token);
      expect((await call('DELETE', `${V1}/scim/directories/${created.body.id}/tokens/${rotated.body.id}`)).status).toBe(204);
      expect((await call('DELETE', `${V1}/scim/directories/${created.body.id}`)).status).toBe(204);
      expect((await call('GET', `${V1}/scim/directories/${created.body.id}`)).status).toBe(404);
    });

    it('manages webhooks, their deliveries and redelivery (the secret shown once, the destination rule applied)', async () => {
      const receiver = await startWebhookReceiver(() => 204);
      try {
        const created = await call('POST', `${V1}/webhooks`, { url: receiver.url, event_types: ['client.*'], description: 'Client changes' });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ url: receiver.url, event_types: ['client.*'], pending: 0 });
        expect(created.body.secret).toMatch(/^whsec_/);
        const hookId = created.body.id as string;
        const listed = await call('GET', `${V1}/webhooks?limit=10`);
        expect(listed.body.items.map((hook: { id: string }) => hook.id)).toContain(hookId);
        expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
        const one = await call('GET', `${V1}/webhooks/${hookId}`);
        expect(one.body).toMatchObject({ id: hookId, description: 'Client changes' });
        expect(one.body).not.toHaveProperty('secret');
        // The outbound rule of the CLI: a private address not in OUTBOUND_ALLOWED_HOSTS is refused, naming the field.
        expect((await call('POST', `${V1}/webhooks`, { url: 'http://10.0.0.5/hook', event_types: ['*'] })).body).toMatchObject({ status: 400, field: 'url' });
        expect((await call('POST', `${V1}/webhooks`, { url: receiver.url, event_types: ['no.such.event'] })).body).toMatchObject({ status: 400, field: 'event_types.0' });

        await call('POST', `${V1}/clients`, { name: 'Hooked one', type: 'machine' });
        await call('POST', `${V1}/clients`, { name: 'Hooked two', type: 'machine' });
        const first = await call('GET', `${V1}/webhooks/${hookId}/deliveries?limit=1`);
        expect(first.body.items).toHaveLength(1);
        expect(first.body.items[0]).toMatchObject({ status: 'pending', event_type: 'client.created' });
        const second = await call('GET', `${V1}/webhooks/${hookId}/deliveries?limit=1&cursor=${first.body.next_cursor}`);
        expect(Number(second.body.items[0].id)).toBeLessThan(Number(first.body.items[0].id));
        expect((await call('GET', `${V1}/webhooks/${hookId}/deliveries?cursor=garbage`)).body).toMatchObject({ status: 400, field: 'cursor' });
        expect((await call('POST', `${V1}/webhook-deliveries/${first.body.items[0].id}/redeliver`)).body).toMatchObject({ status: 409 });

        await server.container.webhooks.deliverDue();
        expect((await call('GET', `${V1}/webhooks/${hookId}/deliveries?status=pending`)).body.items).toEqual([]);
        const redelivered = await call('POST', `${V1}/webhook-deliveries/${first.body.items[0].id}/redeliver`);
        expect(redelivered.body).toMatchObject({ id: first.body.items[0].id, status: 'pending', attempts: 0 });
        expect((await call('DELETE', `${V1}/webhooks/${hookId}`)).status).toBe(204);
        expect((await call('GET', `${V1}/webhooks/${hookId}/deliveries`)).status).toBe(404);

        const events = await server.container.events.list({ types: ['webhook.*'] }, { limit: 10, order: 'desc' });
        expect(events.items.map((event) => [event.type, event.actor_type])).toEqual([['webhook.deleted', 'client'], ['webhook.redelivered', 'client'], ['webhook.created', 'client']]);
        expect(JSON.stringify(await server.container.db('webhooks').select('*'))).not.toContain(created.body.secret);
      } finally {
        await receiver.close();
      }
    });

    it('lists the signing keys (public parts only) and rotates them, the caller recorded as actor', async () => {
      const before = await call('GET', `${V1}/keys`);
      expect(before.status).toBe(200);
      const active = before.body.items.filter((key: { status: string }) => key.status === 'active');
      expect(active.map((key: { alg: string }) => key.alg).sort()).toEqual(['ES256', 'RS256']);
      for (const key of before.body.items) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key.public_jwk).not.toHaveProperty(member);
      expect(JSON.stringify(before.body)).not.toContain('private');

      const rotated = await call('POST', `${V1}/keys/rotate`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.added).toHaveLength(2);
      const after = await call('GET', `${V1}/keys`);
      expect(after.status).toBe(200);
      const statusOf = (kid: string) => after.body.items.find((key: { kid: string }) => key.kid === kid)?.status;
      for (const kid of rotated.body.added) expect(statusOf(kid)).toBe('active');
      for (const key of active) expect(statusOf(key.kid)).toBe('retired');
      // The new keys sign at once on this instance, and JWKS publishes them.
      const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining(rotated.body.added));
      const [event] = (await server.container.events.list({ types: ['keys.rotated'] }, { limit: 1, order: 'desc' })).items;
      expect(event).toMatchObject({ actor_type: 'client', detail: { added: rotated.body.added } });
    });

    it('shows the effective settings with every secret masked', async () => {
      const answer = await call('GET', `${V1}/settings`);
      expect(answer.status).toBe(200);
      expect(answer.body.settings).toMatchObject({ SERVER_SECRET: '[masked]', ISSUER: server.issuer, PORT: expect.any(Number) });
      const text = JSON.stringify(answer.body);
      for (const secret of server.container.config.serverSecrets) expect(text).not.toContain(secret);
      if (server.container.config.database.url?.includes('@')) expect(answer.body.settings.DATABASE_URL).toContain('[masked]@');
    });

    it('manages the profile schema, custom scopes and account attribute values', async () => {
      const created = await call('POST', `${V1}/attributes`, { name: 'department', type: 'string', label: 'Department', rule: { max_length: 40 }, editable_by: 'user', show_at_signup: true });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'department', type: 'string', required: false, editable_by: 'user', show_at_signup: true, status: 'active' });
      expect((await call('POST', `${V1}/attributes`, { name: 'department', type: 'string' })).status).toBe(409);
      expect((await call('GET', `${V1}/attributes`)).body.items.map((a: { name: string }) => a.name)).toEqual(['department']);
      expect((await call('GET', `${V1}/attributes/department`)).body.label).toBe('Department');
      expect((await call('PATCH', `${V1}/attributes/department`, { description: 'Where you work' })).body.description).toBe('Where you work');

      const scope = await call('POST', `${V1}/scopes`, { name: 'employee', description: 'Your job', claims: ['department'] });
      expect(scope).toMatchObject({ status: 201, body: { name: 'employee', claims: ['department'] } });
      expect((await call('POST', `${V1}/scopes`, { name: 'ghost', claims: ['nope'] })).body).toMatchObject({ status: 400, field: 'claims.0' });
      expect((await call('GET', `${V1}/scopes`)).body.items).toHaveLength(1);
      expect((await call('GET', `${V1}/scopes/employee`)).body.description).toBe('Your job');
      expect((await call('PATCH', `${V1}/scopes/employee`, { description: 'Your job details' })).body.description).toBe('Your job details');

      const account = await call('POST', `${V1}/accounts`, { email: 'fay@example.com', attributes: { department: 'Sales' } });
      expect(account.status).toBe(201);
      expect((await call('GET', `${V1}/accounts/${account.body.id}/attributes`)).body).toEqual({ attributes: { department: 'Sales' } });
      expect((await call('PATCH', `${V1}/accounts/${account.body.id}/attributes`, { attributes: { department: 'x'.repeat(41) } })).body).toMatchObject({
        status: 400,
        field: 'attributes.department',
      });
      expect((await call('PATCH', `${V1}/accounts/${account.body.id}/attributes`, { attributes: { department: null } })).body).toEqual({ attributes: {} });

      expect((await call('DELETE', `${V1}/scopes/employee`)).status).toBe(204);
      expect((await call('PATCH', `${V1}/attributes/department`, { status: 'deprecated' })).body.status).toBe('deprecated');
      expect((await call('DELETE', `${V1}/attributes/department`)).status).toBe(204);
      expect((await call('GET', `${V1}/attributes/department`)).status).toBe(404);
    });

    it('paginates with a stable order and no repeats', async () => {
      for (let index = 0; index < 5; index += 1) await call('POST', `${V1}/groups`, { name: `team-${index}` });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: ApiResponse = await call('GET', `${V1}/groups?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((group: { name: string }) => group.name));
        cursor = page.body.next_cursor;
        pages += 1;
      } while (cursor);
      expect(seen.filter((name) => name.startsWith('team-'))).toEqual(['team-0', 'team-1', 'team-2', 'team-3', 'team-4']);
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it("pages through a group's members, two at a time, with no repeats or gaps when one joins between pages", async () => {
      const group = await call('POST', `${V1}/groups`, { name: 'paged-members' });
      const nested = await call('POST', `${V1}/groups`, { name: 'paged-members-nested' });
      const people: string[] = [];
      for (const index of [0, 1, 2, 3]) people.push((await call('POST', `${V1}/accounts`, { email: `member-${index}@example.com` })).body.id);
      const members = `${V1}/groups/${group.body.id}/members`;
      for (const id of people.slice(0, 2)) expect((await call('PUT', `${members}/accounts/${id}`)).status).toBe(204);
      expect((await call('PUT', `${members}/groups/${nested.body.id}`)).status).toBe(204);
      expect((await call('PUT', `${members}/accounts/${people[2]}`)).status).toBe(204);

      const { items, pages } = await pageThrough(members, 2, async (page) => page === 1 && call('PUT', `${members}/accounts/${people[3]}`));
      expect(items.map((member: { type: string; id: string }) => `${member.type}:${member.id}`)).toEqual([
        `account:${people[0]}`,
        `account:${people[1]}`,
        `group:${nested.body.id}`,
        `account:${people[2]}`,
        `account:${people[3]}`,
      ]);
      expect(pages).toBe(3);
    });

    it('pages through the holders of a role one at a time, accounts, groups and clients alike, and the roles of a holder', async () => {
      const role = await call('POST', `${V1}/roles`, { name: 'paged-role' });
      const other = await call('POST', `${V1}/roles`, { name: 'paged-role-2' });
      const person = await call('POST', `${V1}/accounts`, { email: 'holder@example.com' });
      const group = await call('POST', `${V1}/groups`, { name: 'paged-holders' });
      const late = await call('POST', `${V1}/groups`, { name: 'paged-holders-late' });
      const robot = await call('POST', `${V1}/clients`, { name: 'Paged robot', type: 'machine' });
      expect((await call('PUT', `${V1}/accounts/${person.body.id}/roles/${role.body.id}`)).status).toBe(204);
      expect((await call('PUT', `${V1}/groups/${group.body.id}/roles/${role.body.id}`)).status).toBe(204);
      expect((await call('PUT', `${V1}/clients/${robot.body.client_id}/roles/${role.body.id}`)).status).toBe(204);

      const holders = await pageThrough(`${V1}/roles/${role.body.id}/assignments`, 1, async (page) => page === 2 && call('PUT', `${V1}/groups/${late.body.id}/roles/${role.body.id}`));
      expect(holders.items.map((holder: { subject_type: string; subject_id: string }) => `${holder.subject_type}:${holder.subject_id}`)).toEqual([
        `account:${person.body.id}`,
        `group:${group.body.id}`,
        `client:${robot.body.client_id}`,
        `group:${late.body.id}`,
      ]);
      expect(holders.pages).toBe(4);

      expect((await call('PUT', `${V1}/accounts/${person.body.id}/roles/${other.body.id}`)).status).toBe(204);
      const held = await pageThrough(`${V1}/accounts/${person.body.id}/roles`, 1);
      expect(held.items.map((assignment: { role: string }) => assignment.role)).toEqual(['paged-role', 'paged-role-2']);
      expect(held.pages).toBe(2);
    });

    it('pages through permissions made in one statement (one creation time, ordered by id), and one added between pages', async () => {
      const api = await call('POST', `${V1}/resources`, { identifier: 'https://paged.example.com', permissions: [{ name: 'a:read' }, { name: 'b:read' }, { name: 'c:read' }] });
      const permissions = `${V1}/resources/${api.body.id}/permissions`;
      const { items, pages } = await pageThrough(permissions, 1, async (page) => page === 1 && call('POST', permissions, { name: 'd:read' }));
      const names = items.map((permission: { name: string }) => permission.name);
      expect(names.slice(0, 3).sort()).toEqual(['a:read', 'b:read', 'c:read']);
      expect(names[3]).toBe('d:read');
      expect(pages).toBe(4);

      const role = await call('POST', `${V1}/roles`, { name: 'paged-permissions', permission_ids: api.body.permissions.map((permission: { id: string }) => permission.id) });
      const held = await pageThrough(`${V1}/roles/${role.body.id}/permissions`, 2);
      expect(held.items.map((permission: { name: string }) => permission.name).sort()).toEqual(['a:read', 'b:read', 'c:read']);
      expect(held.pages).toBe(2);
    });

    it('pages through the configuration listings: attributes, scopes (keyed by name) and connections', async () => {
      for (const name of ['paged_one', 'paged_two']) expect((await call('POST', `${V1}/attributes`, { name, type: 'string' })).status).toBe(201);
      for (const name of ['paged-one', 'paged-two']) expect((await call('POST', `${V1}/scopes`, { name, claims: ['paged_one'] })).status).toBe(201);
      for (const slug of ['paged-one', 'paged-two']) {
        expect((await call('POST', `${V1}/connections`, { slug, issuer: `https://${slug}.example`, client_id: 'x' })).status).toBe(201);
      }
      const named = (items: { name?: string; slug?: string }[]) => items.map((item) => item.name ?? item.slug).filter((name) => name?.startsWith('paged'));
      expect(named((await pageThrough(`${V1}/attributes`, 1)).items)).toEqual(['paged_one', 'paged_two']);
      expect(named((await pageThrough(`${V1}/scopes`, 1)).items)).toEqual(['paged-one', 'paged-two']);
      expect(named((await pageThrough(`${V1}/connections`, 1)).items)).toEqual(['paged-one', 'paged-two']);
    });

    it('refuses a bad cursor or limit with a 400 naming it, and a missing parent with a 404, never an empty page', async () => {
      const group = await call('POST', `${V1}/groups`, { name: 'cursor-checks' });
      for (const index of [0, 1]) {
        const person = await call('POST', `${V1}/accounts`, { email: `cursor-${index}@example.com` });
        await call('PUT', `${V1}/groups/${group.body.id}/members/accounts/${person.body.id}`);
      }
      const members = `${V1}/groups/${group.body.id}/members`;
      const first = await call('GET', `${members}?limit=1`);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const groupsCursor = (await call('GET', `${V1}/groups?limit=1`)).body.next_cursor;
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

      const badCursors = [
        'garbage',
        groupsCursor, // another listing's: a different key
        encode(['2026-01-01T00:00:00.000000Z', 'account', 'not-a-uuid']), // the right shape, but not an id
        encode(['yesterday', 'account', '00000000-0000-4000-8000-000000000000']),
        // Forged, in the right shape: a day that does not exist, and a NUL the database cannot compare.
        encode(['2026-02-30T00:00:00.000000Z', 'account', '00000000-0000-4000-8000-000000000000']),
        encode(['2026-01-01T25:00:00.000000Z', 'account', '00000000-0000-4000-8000-000000000000']),
        encode(['2026-01-01T00:00:00.000000Z', 'acc\u0000ount', '00000000-0000-4000-8000-000000000000']),
      ];
      for (const cursor of badCursors) {
        const response = await call('GET', `${members}?limit=1&cursor=${encodeURIComponent(cursor)}`);
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.body).toMatchObject({ type: 'urn:idp:error:validation-failed', field: 'cursor' });
      }
      // And the other way round: a members cursor does not fit the groups listing.
      expect((await call('GET', `${V1}/groups?cursor=${first.body.next_cursor}`)).body).toMatchObject({ status: 400, field: 'cursor' });
      for (const limit of ['0', '201', 'ten', '']) {
        expect((await call('GET', `${members}?limit=${limit}`)).body).toMatchObject({ status: 400, type: 'urn:idp:error:validation-failed', field: 'limit' });
      }

      expect((await call('DELETE', `${V1}/groups/${group.body.id}`)).status).toBe(204);
      for (const path of [
        `${members}?cursor=${first.body.next_cursor}`,
        `${V1}/groups/${group.body.id}/roles?limit=1`,
        `${V1}/roles/${crypto.randomUUID()}/assignments?limit=1`,
        `${V1}/accounts/${crypto.randomUUID()}/sessions?limit=1`,
        `${V1}/resources/not-a-uuid/permissions?limit=1`,
      ]) {
        expect((await call('GET', path)).body).toMatchObject({ status: 404, type: 'urn:idp:error:not-found' });
      }
    });

    afterAll(() => {
      // Every declared route answered 2xx at least once in this file.
      expect(ADMIN_ROUTES.map(routeKey).filter((key) => !succeeded.has(key))).toEqual([]);
    });
  });

  describe('refusals', () => {
    it.each(ADMIN_ROUTES.map((route) => [routeKey(route), route] as const))('%s: 401 without a token', async (_key, route) => {
      const response = await fetch(`${server.issuer}${fillPath(route.path)}`, { method: route.method.toUpperCase() });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect((await response.json()).type).toBe('urn:idp:error:unauthenticated');
    });

    it.each(ADMIN_ROUTES.map((route) => [routeKey(route), route] as const))('%s: 403 without the permission it needs', async (_key, route) => {
      const caller = route.method === 'get' ? nobody : reader;
      const response = await caller.call(route.method.toUpperCase(), fillPath(route.path), VALID_BODIES[routeKey(route)]);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({
        type: 'urn:idp:error:insufficient-permission',
        required_permission: route.method === 'get' ? 'admin:read' : 'admin:write',
      });
    });

    const withParams = ADMIN_ROUTES.filter((route) => route.path.includes(':'));
    it.each(withParams.map((route) => [routeKey(route), route] as const))('%s: 404 for a missing or malformed id', async (_key, route) => {
      for (const path of [fillPath(route.path), fillPath(route.path, Object.fromEntries([...route.path.matchAll(/:(\w+)/g)].map((m) => [m[1], 'not-an-id'])))]) {
        const response = await admin.call(route.method.toUpperCase(), path, VALID_BODIES[routeKey(route)]);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ type: 'urn:idp:error:not-found', status: 404 });
      }
    });

    const withInput = ADMIN_ROUTES.filter((route) => route.body || route.query);
    it('has an invalid example for every route that takes input', () => {
      expect(withInput.map(routeKey).filter((key) => !INVALID_INPUTS[key])).toEqual([]);
    });
    it.each(withInput.map((route) => [routeKey(route), route] as const))('%s: 400 naming the field', async (key, route) => {
      const example = INVALID_INPUTS[key];
      const response = await admin.call(route.method.toUpperCase(), `${fillPath(route.path)}${example.query ? `?${example.query}` : ''}`, example.body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ type: 'urn:idp:error:validation-failed', field: example.field });
    });

    it('409 on duplicates', async () => {
      await call('POST', `${V1}/roles`, { name: 'duplicate-me' });
      expect((await call('POST', `${V1}/roles`, { name: 'Duplicate-Me' })).body).toMatchObject({ status: 409, type: 'urn:idp:error:conflict' });
      await call('POST', `${V1}/groups`, { name: 'dup-group' });
      expect((await call('POST', `${V1}/groups`, { name: 'dup-group' })).status).toBe(409);
      const api = await call('POST', `${V1}/resources`, { identifier: 'https://dup.example.com', permissions: [{ name: 'a' }] });
      expect((await call('POST', `${V1}/resources`, { identifier: 'https://dup.example.com' })).status).toBe(409);
      expect((await call('POST', `${V1}/resources/${api.body.id}/permissions`, { name: 'a' })).status).toBe(409);
      await call('POST', `${V1}/accounts`, { email: 'dup@example.com' });
      expect((await call('POST', `${V1}/accounts`, { email: 'DUP@example.com' })).status).toBe(409);
      const account = await call('GET', `${V1}/accounts?email=dup@example.com`);
      const grant = { subject_type: 'account', subject_id: account.body.items[0].id, permission_id: api.body.permissions[0].id, object: 'x:1' };
      expect((await call('POST', `${V1}/object-grants`, grant)).status).toBe(201);
      expect((await call('POST', `${V1}/object-grants`, grant)).status).toBe(409);
    });

    it("refuses to change the server's own APIs", async () => {
      const own = await call('GET', `${V1}/resources?limit=200`);
      const adminApi = own.body.items.find((r: { identifier: string }) => r.identifier === server.container.systemApis.admin.identifier);
      expect(adminApi.system).toBe(true);
      expect((await call('DELETE', `${V1}/resources/${adminApi.id}`)).body).toMatchObject({ status: 409, type: 'urn:idp:error:system-resource' });
    });

    it('answers unknown paths under the API with a 404 problem, not the protocol engine', async () => {
      const response = await admin.call('GET', `${V1}/nothing-here`);
      expect(response.status).toBe(404);
      expect(response.body.type).toBe('urn:idp:error:not-found');
    });
  });
});
