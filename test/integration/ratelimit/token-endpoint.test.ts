import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { usingRedis } from '../../support/database.js';
import { openTestRedis, type TestRedis } from '../../support/redis.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

/**
 * The test process connects from 127.0.0.1, listed in TRUSTED_PROXIES, so X-Forwarded-For names the
 * client address: its right-most entry is what the trusted proxy saw, anything left of it the client wrote.
 */
describe('token endpoint limits', () => {
  let server: TestServer;
  let machine: RegisteredClient;

  const basic = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
  const post = (client: { clientId: string; secret: string }, from: string) =>
    fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.secret), 'x-forwarded-for': from },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
  const statuses = async (times: number, send: (i: number) => Promise<Response>) => {
    const seen: number[] = [];
    for (let i = 0; i < times; i += 1) seen.push((await send(i)).status);
    return seen;
  };

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        TRUSTED_PROXIES: '127.0.0.1',
        TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '8',
        TOKEN_AUTH_FAILURES_PER_IP_AND_CLIENT: '4',
        TOKEN_AUTH_FAILURES_PER_IP: '10',
      },
    });
    machine = await registerClient(server.issuer, server.container, { type: 'machine' });
  });
  afterAll(() => server.close());

  it('charges bad secrets to the address they come from: the attacker is throttled, the client from elsewhere still gets tokens', async () => {
    const guess = { clientId: machine.clientId, secret: 'guessed' };
    const attacker = await statuses(30, () => post(guess, '203.0.113.66'));
    expect(attacker.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(new Set(attacker.slice(4))).toEqual(new Set([429]));
    const refused = await post(guess, '203.0.113.66');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });

    // The client's whole per-minute budget (8) is still there for the client itself.
    const real = { clientId: machine.clientId, secret: machine.clientSecret! };
    expect(await statuses(8, () => post(real, '198.51.100.10'))).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
  });

  it('still caps a client\'s throughput, with 429 and Retry-After in the OAuth error format', async () => {
    const busy = await registerClient(server.issuer, server.container, { type: 'machine' });
    const real = { clientId: busy.clientId, secret: busy.clientSecret! };
    const seen = await statuses(9, () => post(real, '198.51.100.11'));
    expect(seen).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    const limited = await post(real, '198.51.100.12');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('stops one address spraying made-up client ids, and only that address', async () => {
    const seen = await statuses(14, (i) => post({ clientId: `made-up-${i}`, secret: 'x' }, '203.0.113.80'));
    expect(seen.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(new Set(seen.slice(10))).toEqual(new Set([429]));
    const other = await registerClient(server.issuer, server.container, { type: 'machine' });
    const tokens = await oidc.clientCredentialsGrant(other.config);
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('counts by the address derived from TRUSTED_PROXIES, not the left end of X-Forwarded-For the client wrote', async () => {
    const target = await registerClient(server.issuer, server.container, { type: 'machine' });
    const guess = { clientId: target.clientId, secret: 'guessed' };
    // A fresh made-up address on the left every time: the limit must still see 203.0.113.90.
    const seen = await statuses(8, (i) => post(guess, `10.20.30.${i}, 203.0.113.90`));
    expect(seen.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(new Set(seen.slice(4))).toEqual(new Set([429]));
    // The audit events of those requests carry the same derived address.
    expect(await server.container.db('events').where('ip', 'like', '10.20.30.%')).toEqual([]);
    const failed = await server.container.db('events').where({ type: 'token.grant_failed', ip: '203.0.113.90' });
    expect(failed).toHaveLength(4);
  });

  it('records the derived address on the browser session, whatever the client wrote on the left', async () => {
    await server.container.accounts.createAccount({ email: 'owner@example.com', password: 'a long and correct password' });
    const web = await registerClient(server.issuer, server.container, { firstParty: true });
    const headers = { 'x-forwarded-for': '10.60.70.80, 203.0.113.92' };
    const agent = new UserAgent(REDIRECT_URI);
    const loginPage = await agent.request((await startAuthorization(web)).url.href, { headers });
    const done = await agent.request(UserAgent.action(loginPage, '/login'), {
      form: { csrf: UserAgent.field(loginPage, 'csrf'), email: 'owner@example.com', password: 'a long and correct password' },
      headers,
    });
    expect(done.url).toContain('code=');
    const sessions = await server.container.db('browser_sessions').select('ip');
    expect(sessions.map((row) => row.ip)).toEqual(['203.0.113.92']);
  });

  it('counts clients that post their id in the body per derived address too', async () => {
    const form = (i: number) =>
      fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.40.50.${i}, 203.0.113.91` },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: machine.clientId, client_secret: 'wrong' }),
      });
    const seen = await statuses(8, form);
    expect(seen.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(new Set(seen.slice(4))).toEqual(new Set([429]));
  });
});

const describeWithRedis = usingRedis() ? describe : describe.skip;

describeWithRedis('token endpoint hot path on Redis', () => {
  let server: TestServer;
  let testRedis: TestRedis;
  const limiterKeys: string[] = [];

  beforeAll(async () => {
    testRedis = await openTestRedis();
    // Records the rate-limit keys of every command the server sends to Redis.
    const send = testRedis.redis.sendCommand.bind(testRedis.redis);
    testRedis.redis.sendCommand = ((command: { args: unknown[] }, ...rest: unknown[]) => {
      for (const arg of command.args ?? []) if (typeof arg === 'string' && arg.includes('rl:token')) limiterKeys.push(arg);
      return (send as (...all: unknown[]) => unknown)(command, ...rest);
    }) as typeof testRedis.redis.sendCommand;
    server = await startTestServer({ testRedis });
  });
  afterAll(async () => {
    await server.close();
    await testRedis.destroy();
  });

  it('makes no failure-counter call and about one limiter call per 16 successful token requests', async () => {
    const machine = await registerClient(server.issuer, server.container, { type: 'machine' });
    await oidc.clientCredentialsGrant(machine.config);
    limiterKeys.length = 0;
    for (let i = 0; i < 160; i += 1) await oidc.clientCredentialsGrant(machine.config);
    expect(limiterKeys.filter((key) => key.includes('auth-failure'))).toEqual([]);
    expect(limiterKeys.length).toBeGreaterThan(0); // the recorder sees the per-client limiter's leases
    expect(limiterKeys.length).toBeLessThanOrEqual(160 / 16 + 2);
  });
});
