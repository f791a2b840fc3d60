import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand } from '../../../src/cli/run.js';
import { bootstrapAdmin, machineToken, type ApiClient } from '../../support/admin.js';
import { exchangeCode, registerClient, signIn } from '../../support/relying-party.js';
import { defineRole, TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { ERROR_SCHEMA, provisioningDirectory, scimClient, USER_SCHEMA } from '../../support/scim.js';

/**
 * Who may provision: a directory's provisioning token (created, rotated and revoked by the CLI or
 * the admin API), or a client-credentials token of a client holding scim:provision and linked to a
 * directory. Tokens issued to a person, tokens for another API and unknown or revoked tokens are refused.
 */
describe('SCIM authentication and directory management', () => {
  let server: TestServer;
  let admin: ApiClient;
  let audience: string;
  const idp = async (line: string[]) => {
    const result = await runCommand({ ...server.container, afterKeyRotation: async () => undefined }, [...line, '--json']);
    if (result.exitCode !== 0) throw new Error(`${line.join(' ')} failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { API_REQUESTS_PER_CLIENT_PER_MINUTE: '40' } });
    admin = await bootstrapAdmin(server);
    audience = server.container.systemApis.scim.identifier;
  });
  afterAll(() => server.close());

  async function provisioningClient(options: { permission: boolean }) {
    const { client, clientSecret } = await server.container.clients.createClient({ name: 'Provisioner', type: 'machine', redirectUris: [], postLogoutRedirectUris: [] });
    if (options.permission) {
      const permission = await server.container.resources.findPermission(audience, 'scim:provision');
      const role = await defineRole(server.container, `scim-${client.client_id.slice(0, 8)}`, [permission!.id]);
      await server.container.roles.assign(role.id, { type: 'client', id: client.client_id }, TEST_ACTOR);
    }
    return { clientId: client.client_id, secret: clientSecret! };
  }

  it('refuses a request without a token, with an unknown token, or with a token for another API: 401 with a challenge and a SCIM error', async () => {
    const bare = await fetch(`${server.issuer}/scim/v2/Users`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(await bare.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    expect((await scimClient(server, 'idp_scim_not-a-real-token').call('GET', '/Users')).status).toBe(401);
    expect((await scimClient(server, admin.token).call('GET', '/Users')).status).toBe(401);
  });

  it('CLI: a directory and a token; the token provisions, rotation retires the old one, revocation ends the new one', async () => {
    const directory = await idp(['directory', 'create', 'Okta CLI', '--no-invitations']);
    const issued = await idp(['scim-token', 'create', 'Okta CLI', '--label', 'okta']);
    expect(issued.token).toMatch(/^idp_scim_[A-Za-z0-9_-]{43}$/);
    // Only a hash is stored.
    const stored = await server.container.db('scim_tokens').where({ id: issued.id }).first();
    expect(stored.token_hash).not.toContain(issued.token.slice(9));
    expect(JSON.stringify(await idp(['scim-token', 'list', 'Okta CLI']))).not.toContain(issued.token);

    const first = scimClient(server, issued.token);
    expect((await first.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'cli@example.com' })).status).toBe(201);
    expect(await idp(['directory', 'show', 'Okta CLI'])).toMatchObject({ id: directory.id, users: 1, groups: 0 });

    const rotated = await idp(['scim-token', 'rotate', 'Okta CLI', issued.id]);
    expect((await first.call('GET', '/Users')).status).toBe(401);
    const second = scimClient(server, rotated.token);
    expect((await second.call('GET', '/Users')).body.totalResults).toBe(1);
    await idp(['scim-token', 'revoke', 'Okta CLI', rotated.id]);
    expect((await second.call('GET', '/Users')).status).toBe(401);
    const types = (await server.container.db('events').where({ actor_type: 'system', actor_id: 'cli' }).whereLike('type', 'scim.%').select('type')).map((event: { type: string }) => event.type);
    expect(types).toEqual(['scim.directory_created', 'scim.token_created', 'scim.token_created', 'scim.token_revoked', 'scim.token_revoked']);
  });

  it('refuses an expired token', async () => {
    const directory = await server.container.scimDirectories.createDirectory({ name: 'Expired', sendInvitations: false }, TEST_ACTOR);
    const { token } = await server.container.scimDirectories.createToken(directory.id, { expiresAt: new Date(Date.now() - 1000) }, TEST_ACTOR);
    expect((await scimClient(server, token).call('GET', '/Users')).status).toBe(401);
  });

  it('admin API: directories and tokens, with the token value shown once, and the routes in the OpenAPI document', async () => {
    const created = await admin.call('POST', '/admin/api/v1/scim/directories', { name: 'Entra API', send_invitations: false });
    expect(created).toMatchObject({ status: 201, body: { name: 'Entra API', client_id: null, send_invitations: false } });
    const issued = await admin.call('POST', `/admin/api/v1/scim/directories/${created.body.id}/tokens`, { label: 'entra' });
    expect(issued.status).toBe(201);
    expect((await scimClient(server, issued.body.token).call('GET', '/ServiceProviderConfig')).status).toBe(200);
    const listed = await admin.call('GET', `/admin/api/v1/scim/directories/${created.body.id}/tokens`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: issued.body.id, label: 'entra', revoked_at: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);
    const rotated = await admin.call('POST', `/admin/api/v1/scim/directories/${created.body.id}/tokens/${issued.body.id}/rotate`);
    expect(rotated.status).toBe(201);
    expect((await scimClient(server, issued.body.token).call('GET', '/Users')).status).toBe(401);
    expect((await admin.call('DELETE', `/admin/api/v1/scim/directories/${created.body.id}/tokens/${rotated.body.id}`)).status).toBe(204);
    expect((await scimClient(server, rotated.body.token).call('GET', '/Users')).status).toBe(401);
    expect((await admin.call('PATCH', `/admin/api/v1/scim/directories/${created.body.id}`, { name: 'Entra Renamed' })).body.name).toBe('Entra Renamed');
    expect((await admin.call('POST', '/admin/api/v1/scim/directories', { name: 'entra renamed' })).status).toBe(409);
    expect((await admin.call('DELETE', `/admin/api/v1/scim/directories/${created.body.id}`)).status).toBe(204);
    expect((await admin.call('GET', `/admin/api/v1/scim/directories/${created.body.id}`)).status).toBe(404);
    const openapi = await (await fetch(`${server.issuer}/admin/api/openapi.json`)).json();
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/admin/api/v1/scim/directories', '/admin/api/v1/scim/directories/{directoryId}/tokens/{tokenId}/rotate']));
  });

  it('client credentials: a client holding scim:provision and linked to a directory provisions as that directory', async () => {
    const linked = await provisioningClient({ permission: true });
    const token = await machineToken(server, linked.clientId, linked.secret, audience);
    // Not linked yet: authenticated and permitted, but no directory to act as.
    expect((await scimClient(server, token).call('GET', '/Users')).status).toBe(403);
    const directory = await idp(['directory', 'create', 'Client Directory', '--client', linked.clientId, '--no-invitations']);
    const created = await scimClient(server, token).call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'machine@example.com' });
    expect(created.status).toBe(201);
    const [event] = await server.container.db('events').where({ type: 'account.created', account_id: created.body.id });
    expect(event).toMatchObject({ actor_type: 'directory', actor_id: directory.id });

    const unpermitted = await provisioningClient({ permission: false });
    await idp(['directory', 'create', 'Unpermitted', '--client', unpermitted.clientId]);
    const weak = await machineToken(server, unpermitted.clientId, unpermitted.secret, audience).catch(() => undefined);
    if (weak) expect((await scimClient(server, weak).call('GET', '/Users')).status).toBe(403);
  });

  it('refuses a token issued to a person, even one who holds scim:provision (rule: only a client acting for itself provisions)', async () => {
    const web = await registerClient(server.issuer, server.container);
    await idp(['directory', 'update', 'Client Directory', '--client', web.clientId]);
    const person = await server.container.accounts.createAccount({ email: 'operator@example.com', password: 'an operator password', emailVerified: true });
    const permission = await server.container.resources.findPermission(audience, 'scim:provision');
    const role = await defineRole(server.container, 'person-provisioner', [permission!.id]);
    await server.container.roles.assign(role.id, { type: 'account', id: person.id }, TEST_ACTOR);
    const { start, callback } = await signIn(web, { email: 'operator@example.com', password: 'an operator password' }, { scope: 'openid scim:provision', resource: audience });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.scope).toContain('scim:provision');
    const refused = await scimClient(server, tokens.access_token).call('GET', '/Users');
    expect(refused).toMatchObject({ status: 403, body: { schemas: [ERROR_SCHEMA], status: '403' } });
  });

  it('throttles a directory like the admin API: over the limit is a 429 SCIM error with Retry-After', async () => {
    const scim = await provisioningDirectory(server, 'Busy');
    let last = await scim.call('GET', '/ServiceProviderConfig');
    for (let i = 0; i < 40 && last.status !== 429; i += 1) last = await scim.call('GET', '/ServiceProviderConfig');
    expect(last.status).toBe(429);
    expect(last.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '429' });
  });
});
