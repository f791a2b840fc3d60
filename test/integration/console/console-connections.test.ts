import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, type ConsoleSession, type Operator } from '../../support/console.js';
import type { TestServer } from '../../support/server.js';
import type { Page, UserAgent } from '../../support/user-agent.js';

const SECRET = 'upstream-secret-never-shown';
const NEW_SECRET = 'replaced-upstream-secret-never-shown';

/** Issue 16, upstream connections: add, edit, remove through the admin API; the client secret is write-only. */
describe('admin console: upstream connections', () => {
  let server: TestServer;
  let writer: Operator;
  let agent: UserAgent;
  let page: Page;
  let post: ConsoleSession['post'];

  beforeAll(async () => {
    ({ server, writer, agent, page, post } = await openConsole('/admin/connections'));
  });
  afterAll(() => server.close());

  const sealedSecret = async (id: string) => (await server.container.db('federation_connections').where({ id }).first()).client_secret_sealed as string;
  const acme = { slug: 'acme', kind: 'oidc', display_name: 'Acme SSO', issuer: 'https://login.acme.example', client_id: 'our-id', client_secret: SECRET, domains: 'acme.example', enabled: 'yes', allow_jit: 'yes' };

  it('says what to do when there is no connection yet', () => {
    expect(page.body).toContain('No connections');
    expect(page.body).toContain('href="/admin/connections/new"');
  });

  it('puts refusals next to their field, keeps the form as typed but never the secret, and adds nothing', async () => {
    const badSlug = await post('/admin/connections/new', { ...acme, slug: 'Not A Slug' });
    expect(badSlug.status).toBe(400);
    expect(badSlug.body).toContain('id="slug-error"');
    expect(badSlug.body).toContain('value="https://login.acme.example"');
    expect(badSlug.body).not.toContain(SECRET);
    const plainHttp = await post('/admin/connections/new', { ...acme, issuer: 'http://login.acme.example' });
    expect(plainHttp.status).toBe(400);
    expect(plainHttp.body).toContain('id="issuer-error"');
    const noEndpoints = await post('/admin/connections/new', { slug: 'plain', kind: 'oauth2', client_id: 'x', authorization_endpoint: 'https://p.example/authorize' });
    expect(noEndpoints.body).toContain('id="token_endpoint-error"');
    expect((await server.container.connections.listConnections()).length).toBe(0);
  });

  it('adds a connection with its secret sealed, shows the callback URL, edits it (an empty secret keeps it), and removes it', async () => {
    const created = await post('/admin/connections/new', acme);
    expect(created.status).toBe(200);
    const id = /\/admin\/connections\/([0-9a-f-]{36})\?done=connection-created/.exec(created.url)![1];
    expect(created.body).toContain(`${server.issuer}/federation/callback/acme`);
    expect(created.body).toContain('A secret is stored');
    expect(created.body).not.toContain(SECRET);
    const sealed = await sealedSecret(id);
    expect(sealed).toMatch(/^v1\./);

    const duplicate = await post('/admin/connections/new', acme);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toContain('already exists');

    const kept = await post(`/admin/connections/${id}/edit`, { display_name: 'Acme', issuer: acme.issuer, client_id: 'our-id', client_secret: '', domains: 'acme.example\nacme.test', allow_jit: 'yes' });
    expect(kept.url).toContain('?done=connection-saved');
    expect(await server.container.connections.requireConnection(id)).toMatchObject({ display_name: 'Acme', enabled: false, domains: ['acme.example', 'acme.test'] });
    expect(await sealedSecret(id)).toBe(sealed);
    const replaced = await post(`/admin/connections/${id}/edit`, { display_name: 'Acme', client_id: 'our-id', client_secret: NEW_SECRET, enabled: 'yes' });
    expect(replaced.body).not.toContain(NEW_SECRET);
    expect(await sealedSecret(id)).not.toBe(sealed);
    const refused = await post(`/admin/connections/${id}/edit`, { display_name: 'Acme', client_id: 'our-id', token_endpoint: 'not a url' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('id="token_endpoint-error"');

    expect((await agent.request(`${server.issuer}/admin/connections/${id}/delete`)).body).toContain('Remove this connection?');
    const removed = await post(`/admin/connections/${id}/delete`, {});
    expect(removed.url).toBe(`${server.issuer}/admin/connections?done=connection-deleted`);
    expect((await agent.request(`${server.issuer}/admin/connections/${id}`)).status).toBe(404);
    const events = await server.container.events.list({ types: ['federation.*'] }, { limit: 10, order: 'desc' });
    expect(events.items.map((event) => [event.type, event.actor_id])).toEqual([
      ['federation.connection_deleted', writer.id], ['federation.connection_updated', writer.id], ['federation.connection_updated', writer.id], ['federation.connection_created', writer.id],
    ]);
    const stored = JSON.stringify(await server.container.db('events').select('*'));
    for (const secret of [SECRET, NEW_SECRET]) expect(stored).not.toContain(secret);
  });
});
