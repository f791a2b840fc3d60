import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { ADMIN_CONSOLE_CLIENT_ID } from '../../../src/clients/admin-console.js';
import { openConsole, type ConsoleSession, type Operator } from '../../support/console.js';
import type { TestServer } from '../../support/server.js';
import type { Page, UserAgent } from '../../support/user-agent.js';

/** Issue 16, clients section: every change through the admin API; bad input is a message next to its field. */
describe('admin console: clients', () => {
  let server: TestServer;
  let writer: Operator;
  let agent: UserAgent;
  let post: ConsoleSession['post'];

  beforeAll(async () => {
    ({ server, writer, agent, post } = await openConsole('/admin/clients/new'));
  });
  afterAll(() => server.close());

  const secretOf = (shown: Page) => /class="secret-value">([^<]+)</.exec(shown.body)?.[1];
  const countClients = async () => (await server.container.clients.listClients()).length;

  it('registers a client and shows its secret once, after a 303', async () => {
    const created = await post('/admin/clients/new', { name: 'Billing', type: 'web', redirect_uris: 'https://billing.example.com/cb\n', first_party: 'yes', default_max_age: '3600' });
    expect(created.status).toBe(200);
    const clientId = decodeURIComponent(/\/admin\/clients\/([^?]+)\?done=client-created/.exec(created.url)![1]);
    const secret = secretOf(created)!;
    expect(secret).toEqual(expect.any(String));
    expect(await server.container.clients.findClient(clientId)).toMatchObject({ name: 'Billing', first_party: true });
    const again = await agent.request(`${server.issuer}/admin/clients/${encodeURIComponent(clientId)}`);
    expect(secretOf(again)).toBeUndefined();
  });

  it('puts the admin API’s validation problem next to the field and creates nothing', async () => {
    const before = await countClients();
    const refused = await post('/admin/clients/new', { name: 'Bad', type: 'web', redirect_uris: 'not a url' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('id="redirect_uris-error"');
    expect(refused.body).toContain('not a url');
    const badAge = await post('/admin/clients/new', { name: 'Bad age', type: 'web', redirect_uris: 'https://a.example.com/cb', default_max_age: 'soon' });
    expect(badAge.status).toBe(400);
    expect(badAge.body).toContain('id="default_max_age-error"');
    const hostile = await post('/admin/clients/new', { name: 'x'.repeat(400), type: 'robot' });
    expect(hostile.status).toBe(400);
    expect(await countClients()).toBe(before);
  });

  it('sets and clears the passkey requirement (require_phishing_resistant), shown on the client page and audited', async () => {
    const created = await post('/admin/clients/new', { name: 'Vault', type: 'web', redirect_uris: 'https://vault.example.com/cb', require_phishing_resistant: 'yes' });
    const clientId = decodeURIComponent(/\/admin\/clients\/([^?]+)\?done=client-created/.exec(created.url)![1]);
    expect(await server.container.clients.findClient(clientId)).toMatchObject({ require_phishing_resistant: true, require_mfa: false });
    const shown = await agent.request(`${server.issuer}/admin/clients/${encodeURIComponent(clientId)}`);
    expect(shown.body).toMatch(/id="require_phishing_resistant"[^>]*checked/);
    // An unticked box is absent from the form: the requirement goes.
    const cleared = await post(`/admin/clients/${encodeURIComponent(clientId)}/edit`, { name: 'Vault', redirect_uris: 'https://vault.example.com/cb', default_max_age: '' });
    expect(cleared.url).toContain('?done=client-saved');
    expect(await server.container.clients.findClient(clientId)).toMatchObject({ require_phishing_resistant: false });
    const events = await server.container.vault.reveal(await server.container.db('events').where({ type: 'client.updated', client_id: clientId }));
    expect(JSON.stringify(events.map((event) => event.detail))).toContain('require_phishing_resistant');
  });

  it('edits redirect URIs and policies, rotates the secret (the old one stops working) and deletes', async () => {
    const { client, clientSecret } = await server.container.clients.createClient({ name: 'Machine', type: 'machine', redirectUris: [], postLogoutRedirectUris: [] });
    const id = encodeURIComponent(client.client_id);
    const saved = await post(`/admin/clients/${id}/edit`, { name: 'Machine two', require_mfa: 'yes', default_max_age: '' });
    expect(saved.url).toContain('?done=client-saved');
    expect(await server.container.clients.findClient(client.client_id)).toMatchObject({ name: 'Machine two', require_mfa: true });

    const discovered = (secret: string) => oidc.discovery(new URL(server.issuer), client.client_id, undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.clientCredentialsGrant(await discovered(clientSecret!))).resolves.toHaveProperty('access_token');
    const confirm = await agent.request(`${server.issuer}/admin/clients/${id}/rotate-secret`);
    expect(confirm.body).toContain('Rotate the secret?');
    const rotated = await post(`/admin/clients/${id}/rotate-secret`, {});
    const newSecret = secretOf(rotated)!;
    expect(newSecret).not.toBe(clientSecret);
    await expect(oidc.clientCredentialsGrant(await discovered(clientSecret!))).rejects.toThrow();
    await expect(oidc.clientCredentialsGrant(await discovered(newSecret))).resolves.toHaveProperty('access_token');

    const deleted = await post(`/admin/clients/${id}/delete`, {});
    expect(deleted.url).toBe(`${server.issuer}/admin/clients?done=client-deleted`);
    expect(await server.container.clients.findClient(client.client_id)).toBeUndefined();
    const events = await server.container.events.list({ types: ['client.*'] }, { limit: 10, order: 'desc' });
    expect(events.items.map((event) => [event.type, event.actor_id])).toEqual(expect.arrayContaining([['client.deleted', writer.id], ['client.secret_rotated', writer.id], ['client.updated', writer.id]]));
  });

  it('does not change the built-in clients', async () => {
    const refused = await post(`/admin/clients/${ADMIN_CONSOLE_CLIENT_ID}/delete`, {});
    expect(refused.status).toBe(409);
    expect(await server.container.clients.findClient(ADMIN_CONSOLE_CLIENT_ID)).toBeDefined();
  });
});
