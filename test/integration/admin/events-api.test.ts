import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminWith, bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { registerClient, signIn } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('GET /admin/api/v1/events on the running server', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    await server.container.accounts.createAccount({ email: 'lee@example.com', password: 'a long enough password here' });
    const web = await registerClient(server.issuer, server.container);
    await signIn(web, { email: 'lee@example.com', password: 'a long enough password here' });
  });
  afterAll(() => server.close());

  it('answers "who signed in to client X" with one call, and refuses callers without admin:read', async () => {
    const page = await admin.call('GET', '/admin/api/v1/events?type=login.succeeded');
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeGreaterThan(0);
    expect(page.body.items.every((event: { type: string }) => event.type === 'login.succeeded')).toBe(true);
    const nobody = await adminWith(server, []);
    expect((await nobody.call('GET', '/admin/api/v1/events')).status).toBe(403);
    const anonymous = await fetch(`${server.issuer}/admin/api/v1/events`);
    expect(anonymous.status).toBe(401);
  });
});
