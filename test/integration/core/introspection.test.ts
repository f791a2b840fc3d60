import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { runCommand } from '../../../src/cli/run.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { grantClientApi, TEST_ACTOR } from '../../support/rbac.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { clientCredentials } from '../../support/tokens.js';

const REPORTS = 'https://reports.example.com';
const BILLING = 'https://billing.example.com';
const lee = { email: 'lee@example.com', password: 'lees password is long enough' };

/**
 * Issue 15, item 11: any confidential client could introspect any token. RFC 7662 §4: only the
 * client the token was issued to, and the clients registered as the resource server of its audience.
 */
describe('token introspection: who may ask about a token', () => {
  let server: TestServer;
  let admin: ApiClient;
  let holder: RegisteredClient;
  let webApp: RegisteredClient;
  let stranger: RegisteredClient;
  let reportsServer: RegisteredClient;
  let billingServer: RegisteredClient;
  let reportsId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const { container } = server;
    admin = await bootstrapAdmin(server);
    holder = await registerClient(server.issuer, container, { type: 'machine' });
    webApp = await registerClient(server.issuer, container, { type: 'web' });
    stranger = await registerClient(server.issuer, container, { type: 'machine' });
    reportsServer = await registerClient(server.issuer, container, { type: 'machine' });
    billingServer = await registerClient(server.issuer, container, { type: 'machine' });
    reportsId = (await grantClientApi(container, holder.clientId, REPORTS, ['reports:run'], { tokenFormat: 'opaque' })).id;
    const billing = await grantClientApi(container, billingServer.clientId, BILLING, ['billing:read'], { tokenFormat: 'opaque' });
    await container.resources.updateResource(billing.id, { resourceServers: [billingServer.clientId] }, TEST_ACTOR);
    await container.accounts.createAccount({ ...lee, emailVerified: true });
  });
  afterAll(() => server.close());

  const registerReportsServer = (clientIds: string[]) => admin.call('PATCH', `/admin/api/v1/resources/${reportsId}`, { resource_server_client_ids: clientIds });

  it("answers inactive to a confidential client that is neither the token's client nor its API's resource server", async () => {
    const { access_token } = await clientCredentials(holder, REPORTS, 'reports:run');
    expect(await oidc.tokenIntrospection(stranger.config, access_token)).toEqual({ active: false });
    // Being the resource server of another API does not help.
    expect(await oidc.tokenIntrospection(billingServer.config, access_token)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(reportsServer.config, access_token)).toEqual({ active: false });
  });

  it('describes a token to the client it was issued to', async () => {
    const { access_token } = await clientCredentials(holder, REPORTS, 'reports:run');
    expect(await oidc.tokenIntrospection(holder.config, access_token)).toMatchObject({ active: true, client_id: holder.clientId, aud: REPORTS });
  });

  it("describes a token to a client registered (admin API) as the resource server of the token's audience", async () => {
    const registered = await registerReportsServer([reportsServer.clientId]);
    expect(registered).toMatchObject({ status: 200, body: { resource_server_client_ids: [reportsServer.clientId] } });
    const { access_token } = await clientCredentials(holder, REPORTS, 'reports:run');
    expect(await oidc.tokenIntrospection(reportsServer.config, access_token)).toMatchObject({
      active: true,
      client_id: holder.clientId,
      aud: REPORTS,
      scope: 'reports:run',
      permissions: ['reports:run'],
    });
    expect(await oidc.tokenIntrospection(stranger.config, access_token)).toEqual({ active: false });

    // Taken off the list, it is a stranger again.
    expect((await registerReportsServer([])).status).toBe(200);
    expect(await oidc.tokenIntrospection(reportsServer.config, access_token)).toEqual({ active: false });
  });

  it("keeps a person's tokens to their app and the API's resource server; a refresh token to its app alone", async () => {
    expect((await registerReportsServer([reportsServer.clientId])).status).toBe(200);
    const { start, callback } = await signIn(webApp, lee, { scope: 'openid', resource: REPORTS });
    const tokens = await exchangeCode(webApp, start, callback.url);
    expect(await oidc.tokenIntrospection(stranger.config, tokens.access_token)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(reportsServer.config, tokens.access_token)).toMatchObject({ active: true, aud: REPORTS, client_id: webApp.clientId });
    expect(await oidc.tokenIntrospection(webApp.config, tokens.access_token)).toMatchObject({ active: true });

    expect(await oidc.tokenIntrospection(stranger.config, tokens.refresh_token!)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(reportsServer.config, tokens.refresh_token!)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(webApp.config, tokens.refresh_token!)).toMatchObject({ active: true, client_id: webApp.clientId });
  });

  it('registers resource servers from the CLI (resource create --resource-server)', async () => {
    const AUDIT = 'https://audit-trail.example.com';
    const created = await runCommand(server.container, ['resource', 'create', '--identifier', AUDIT, '--permission', 'trail:read', '--opaque', '--resource-server', stranger.clientId, '--json']);
    expect(created.exitCode).toBe(0);
    expect(JSON.parse(created.stdout).resource_server_client_ids).toEqual([stranger.clientId]);
    const role = await server.container.roles.createRole({ name: 'trail-reader' }, TEST_ACTOR);
    await server.container.roles.addPermissions(role.id, [(await server.container.resources.findPermission(AUDIT, 'trail:read'))!.id], TEST_ACTOR);
    await server.container.roles.assign(role.id, { type: 'client', id: holder.clientId }, TEST_ACTOR);
    const { access_token } = await clientCredentials(holder, AUDIT, 'trail:read');
    expect(await oidc.tokenIntrospection(stranger.config, access_token)).toMatchObject({ active: true, aud: AUDIT });
    const refused = await runCommand(server.container, ['resource', 'create', '--identifier', 'https://x.example.com', '--resource-server', 'no-such-client']);
    expect(refused.exitCode).toBe(1);
  });

  it('registers only existing confidential clients as resource servers', async () => {
    const spa = await registerClient(server.issuer, server.container, { type: 'spa' });
    expect(await registerReportsServer(['no-such-client'])).toMatchObject({ status: 400, body: { field: 'resource_server_client_ids.0' } });
    expect(await registerReportsServer([reportsServer.clientId, spa.clientId])).toMatchObject({ status: 400, body: { field: 'resource_server_client_ids.1' } });
    const openapi = await (await fetch(`${server.issuer}/admin/api/openapi.json`)).json();
    expect(openapi.components.schemas.Resource.properties.resource_server_client_ids).toMatchObject({ type: 'array', description: expect.stringContaining('RFC 7662') });
  });
});
