import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_ACTOR } from '../../support/rbac.js';
import { REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startOAuthStub } from '../../support/upstream.js';
import { UserAgent } from '../../support/user-agent.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

/** A public address (TEST-NET is special-purpose, so a real one) that nothing here ever dials. */
const PUBLIC = '93.184.216.34';

/**
 * Upstream connections reach public addresses only (SSRF): this server runs WITHOUT the loopback
 * allow-list the other test servers have, so its local stand-ins for upstream providers must be refused.
 */
describe('upstream connections never reach internal addresses', () => {
  let server: TestServer;
  let app: RegisteredClient;
  let listener: WebhookReceiver;
  let stub: Awaited<ReturnType<typeof startOAuthStub>>;
  const resolved: string[] = [];
  /** Fake DNS: `rebind.test` answers a public address once, then loopback (a DNS-rebinding attack). */
  const answers = new Map<string, string[][]>();

  beforeAll(async () => {
    server = await startTestServer({
      env: { OUTBOUND_ALLOWED_HOSTS: '' },
      outboundResolver: async (hostname) => {
        resolved.push(hostname);
        const queue = answers.get(hostname);
        if (!queue?.length) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
        return queue.length > 1 ? queue.shift()! : queue[0];
      },
    });
    listener = await startWebhookReceiver(() => 404);
    stub = await startOAuthStub({ clientId: 'gh-client', clientSecret: 'stub-secret' });
    app = await registerClient(server.issuer, server.container, { firstParty: true });
  });
  afterAll(async () => {
    await listener?.close();
    await stub?.close();
    await server?.close();
  });

  const create = (input: Record<string, unknown>) =>
    server.container.connections.createConnection({ client_id: 'c', ...input } as Parameters<TestServer['container']['connections']['createConnection']>[0], TEST_ACTOR);

  async function continueWith(slug: string) {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(app);
    const login = await agent.request(start.url.href);
    return agent.request(UserAgent.action(login, `/federation/${slug}`), { form: { csrf: UserAgent.field(login, 'csrf') } });
  }

  it('refuses at registration an issuer or endpoint on loopback, private, link-local or IPv4-mapped addresses, naming the field', async () => {
    answers.set('localhost', [['127.0.0.1', '::1']]);
    const cases: [Record<string, unknown>, string][] = [
      [{ slug: 'loop', issuer: listener.url.replace('/hook', '') }, 'issuer'],
      [{ slug: 'meta', issuer: 'http://169.254.169.254' }, 'issuer'],
      [{ slug: 'mapped', issuer: 'http://[::ffff:127.0.0.1]:8080' }, 'issuer'],
      [{ slug: 'named', issuer: 'http://localhost:8080' }, 'issuer'],
      [
        {
          slug: 'inner',
          kind: 'oauth2',
          authorization_endpoint: 'https://login.example.org/authorize',
          token_endpoint: 'https://10.1.2.3/token',
          userinfo_endpoint: 'https://login.example.org/user',
          attribute_map: { subject: 'id' },
        },
        'token_endpoint',
      ],
      [
        {
          slug: 'inner6',
          kind: 'oauth2',
          authorization_endpoint: 'https://login.example.org/authorize',
          token_endpoint: 'https://login.example.org/token',
          userinfo_endpoint: 'https://[fd12::1]/user',
          attribute_map: { subject: 'id' },
        },
        'userinfo_endpoint',
      ],
    ];
    for (const [input, field] of cases) {
      await expect(create(input)).rejects.toMatchObject({ status: 400, details: { field }, message: expect.stringContaining('OUTBOUND_ALLOWED_HOSTS') });
    }
    expect(await server.container.connections.listConnections()).toEqual([]);
  });

  it('refuses at connect time an issuer that passed registration but now resolves to loopback (DNS rebinding)', async () => {
    const port = new URL(listener.url).port;
    answers.set('rebind.test', [[PUBLIC], ['127.0.0.1']]);
    await create({ slug: 'rebind', issuer: `http://rebind.test:${port}` });
    resolved.length = 0;
    const page = await continueWith('rebind');
    // The guard's own lookup is what the socket dialled, and it answered loopback: nothing was sent.
    expect(resolved).toContain('rebind.test');
    expect(listener.received).toEqual([]);
    expect(page.status).toBe(503);
    expect(page.body).toContain('cannot be reached right now');
    expect(page.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|rebind\.test/);
  });

  it('refuses at connect time a token endpoint on loopback stored before the rule (no request reaches it)', async () => {
    await create({
      preset: 'github',
      // The browser, not this server, visits the authorization endpoint: only its scheme is checked.
      authorization_endpoint: `${stub.base}/login/oauth/authorize`,
      token_endpoint: 'https://github.com/login/oauth/access_token',
      userinfo_endpoint: 'https://api.github.com/user',
      client_id: 'gh-client',
      client_secret: 'stub-secret',
    });
    // A row written by an older version, or by hand: the browser goes to the stub, this server may not.
    await server.container
      .db('federation_connections')
      .where({ slug: 'github' })
      .update({ token_endpoint: `${stub.base}/login/oauth/access_token`, userinfo_endpoint: `${stub.base}/user`, updated_at: new Date() });
    stub.control.user = 'octo';
    stub.users.set('octo', { id: 1, login: 'octo', email: 'octo@github.example' });
    const page = await continueWith('github');
    expect(stub.seen.authorize).toHaveLength(1);
    expect(stub.seen.token).toEqual([]);
    expect(page.status).toBe(503);
    expect(page.body).not.toMatch(/ECONNREFUSED|DESTINATION_REFUSED|127\.0\.0\.1/);
  });
});
