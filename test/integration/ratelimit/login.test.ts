import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { registerClient, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'a long and correct password';

async function attempt(client: RegisteredClient, email: string, password: string, headers: Record<string, string> = {}): Promise<Page> {
  const agent = new UserAgent();
  const loginPage = await agent.request((await startAuthorization(client)).url.href);
  return agent.request(UserAgent.action(loginPage, '/login'), {
    form: { csrf: UserAgent.field(loginPage, 'csrf'), email, password },
    headers,
  });
}

const alertOf = (page: Page) => /role="alert"[^>]*>([^<]*)</.exec(page.body)?.[1];

describe('login throttling per account', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({
      env: { LOGIN_FAILURES_BEFORE_DELAY: '3', LOGIN_DELAY_BASE_SECONDS: '30', LOGIN_DELAY_MAX_SECONDS: '100', LOGIN_LOCKOUT_AFTER_FAILURES: '50' },
    });
    web = await registerClient(server.issuer, server.container);
    for (const email of ['delay@example.com', 'reset@example.com']) await server.container.accounts.createAccount({ email, password: PASSWORD });
  });
  afterAll(() => server.close());

  it('imposes a doubling wait from the Nth consecutive failure, refusing even the right password meanwhile', async () => {
    for (let i = 0; i < 2; i += 1) expect((await attempt(web, 'delay@example.com', 'wrong')).status).toBe(401);
    const third = await attempt(web, 'delay@example.com', 'wrong');
    expect(third.status).toBe(401);
    const during = await attempt(web, 'delay@example.com', PASSWORD);
    expect(during.status).toBe(429);
    // The wait runs on the limiter's real clock, so its remaining seconds are not pinned to a window
    // of wall time here: they are within the 30 s imposed, and the page, the header and the event agree.
    const retryAfter = Number(during.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(alertOf(during)).toContain(`${retryAfter} seconds`);
    const [refusal] = await server.container.db('events').where({ type: 'login.failed' }).whereRaw("detail->>'reason' = 'throttled'").orderBy('id', 'desc').limit(1);
    expect(refusal.detail).toMatchObject({ limit: 'account_delay', retryAfter });
    expect(alertOf(during)).toContain('Too many attempts');
    // The next failure (after the wait) doubles it: simulate the wait ending by clearing only the wait.
    const protection = server.container.loginProtection;
    const next = await protection.recordFailure('delay@example.com', '127.0.0.1');
    expect(next).toMatchObject({ consecutiveFailures: 4, delaySeconds: 60, lockNow: false });
    const capped = await protection.recordFailure('delay@example.com', '127.0.0.1');
    expect(capped.delaySeconds).toBe(100);
    const throttled = await server.container.db('events').where({ type: 'login.failed' }).whereRaw("detail->>'reason' = 'throttled'");
    expect(throttled.length).toBeGreaterThan(0);
  });

  it('treats an unknown email exactly like a real one, so waits reveal nothing', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await attempt(web, 'ghost@example.com', 'wrong')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('clears the count on a successful sign-in', async () => {
    for (let i = 0; i < 2; i += 1) expect((await attempt(web, 'reset@example.com', 'wrong')).status).toBe(401);
    const success = await attempt(web, 'reset@example.com', PASSWORD);
    expect(success.status).toBe(200);
    expect(success.body).toContain('/confirm');
    // Two more failures would make four in a row without the reset, and the third would start a wait.
    for (let i = 0; i < 2; i += 1) expect((await attempt(web, 'reset@example.com', 'wrong')).status).toBe(401);
    expect((await attempt(web, 'reset@example.com', PASSWORD)).status).toBe(200);
  });
});

describe('lockout', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    // Waits start later than the lockout here, so the lock itself can be observed without waiting.
    server = await startTestServer({ env: { LOGIN_FAILURES_BEFORE_DELAY: '20', LOGIN_LOCKOUT_AFTER_FAILURES: '4' } });
    web = await registerClient(server.issuer, server.container);
    await server.container.accounts.createAccount({ email: 'target@example.com', password: PASSWORD });
  });
  afterAll(() => server.close());

  it('locks at the cap, answers a locked account like a wrong password, and unlocks through the admin path', async () => {
    const wrong: Page[] = [];
    for (let i = 0; i < 4; i += 1) wrong.push(await attempt(web, 'target@example.com', 'wrong'));
    const locked = await attempt(web, 'target@example.com', PASSWORD);
    expect(locked.status).toBe(401);
    expect(alertOf(locked)).toBe(alertOf(wrong[0]));
    // Per-render values aside: the CSRF tokens, the interaction id and the passkey challenge.
    const comparable = (page: Page) =>
      page.body.replaceAll(/name="csrf" value="[^"]*"/g, '').replaceAll(/\/interaction\/[^/"]+/g, '/interaction/UID').replace(/&quot;challenge&quot;:&quot;[^&]*&quot;/, '');
    expect(comparable(locked)).toBe(comparable(wrong[3]));
    const lockedAccounts = await server.container.accounts.listLocked();
    expect(lockedAccounts.map((account) => account.email)).toEqual(['target@example.com']);
    const events = await server.container.db('events').whereIn('type', ['account.locked', 'login.failed']).orderBy('id');
    expect(events.filter((event) => event.type === 'account.locked')).toHaveLength(1);
    expect(events.at(-1).detail.reason).toBe('locked');

    await server.container.accounts.unlockByEmail('target@example.com');
    await server.container.loginProtection.reset('target@example.com');
    expect((await attempt(web, 'target@example.com', PASSWORD)).status).toBe(200);
  });
});

describe('throughput caps per IP and per IP+account, and trusted proxies', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        LOGIN_ATTEMPTS_PER_IP: '6',
        LOGIN_ATTEMPTS_PER_IP_AND_ACCOUNT: '100',
        LOGIN_FAILURES_BEFORE_DELAY: '3',
        TRUSTED_PROXIES: '127.0.0.1',
      },
    });
    web = await registerClient(server.issuer, server.container);
    await server.container.accounts.createAccount({ email: 'victim@example.com', password: PASSWORD });
  });
  afterAll(() => server.close());

  it('stops spraying many accounts from one address', async () => {
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const statuses = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await attempt(web, `spray${i}@example.com`, 'Winter2026!', from)).status);
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    // Another address is not punished for it.
    expect((await attempt(web, 'victim@example.com', PASSWORD, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
  });

  it('stops guessing one account from many addresses', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await attempt(web, 'victim@example.com', `guess-${i}`, { 'x-forwarded-for': `192.0.2.${i + 10}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('takes the client address from X-Forwarded-For only from a trusted proxy, counting from the right', async () => {
    const origin = async () => (await server.container.db('events').orderBy('id', 'desc').first()).ip;
    await attempt(web, 'nobody1@example.com', 'x', { 'x-forwarded-for': '1.1.1.1, 203.0.113.50' });
    expect(await origin()).toBe('203.0.113.50');
  });
});

describe('untrusted forwarded headers', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({ env: { LOGIN_ATTEMPTS_PER_IP: '3', LOGIN_FAILURES_BEFORE_DELAY: '50' } });
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await attempt(web, `a${i}@example.com`, 'x', { 'x-forwarded-for': `10.9.8.${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const event = await server.container.db('events').where({ type: 'login.failed' }).orderBy('id').first();
    expect(event.ip).toBe('127.0.0.1');
  });
});
