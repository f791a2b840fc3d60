import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'a long and correct password';

/** The test process is the trusted proxy (TRUSTED_PROXIES=127.0.0.1): X-Forwarded-For names the client. */
async function attempt(
  client: RegisteredClient,
  email: string,
  password: string,
  from: string,
  agent = new UserAgent(),
  params: Record<string, string> = {},
): Promise<Page> {
  const headers = { 'x-forwarded-for': from };
  const loginPage = await agent.request((await startAuthorization(client, params)).url.href, { headers });
  return agent.request(UserAgent.action(loginPage, '/login'), { form: { csrf: UserAgent.field(loginPage, 'csrf'), email, password }, headers });
}

async function statuses(times: number, run: (i: number) => Promise<Page>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < times; i += 1) seen.push((await run(i)).status);
  return seen;
}

describe('sign-in limits count failures, not attempts', () => {
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    // The shipped defaults of the two caps (startTestServer lifts them for other tests).
    // Per-account waits and lockout start late here: this block is about the per-IP and per-IP+account caps.
    server = await startTestServer({
      env: {
        TRUSTED_PROXIES: '127.0.0.1',
        LOGIN_ATTEMPTS_PER_IP: '100',
        LOGIN_ATTEMPTS_PER_IP_AND_ACCOUNT: '10',
        LOGIN_FAILURES_BEFORE_DELAY: '50',
        LOGIN_LOCKOUT_AFTER_FAILURES: '99',
      },
    });
    web = await registerClient(server.issuer, server.container);
    await server.container.accounts.createAccount({ email: 'e2e@example.com', password: PASSWORD });
    await server.container.accounts.createAccount({ email: 'typo@example.com', password: PASSWORD });
  });
  afterAll(() => server.close());

  it("never throttles a relying party's test user signing in a dozen times and more from one address", async () => {
    const seen = await statuses(15, () => attempt(web, 'e2e@example.com', PASSWORD, '198.51.100.20'));
    expect(seen).toEqual(Array(15).fill(200));
  });

  it('lets 200 people behind one NAT address sign in', async () => {
    const people = Array.from({ length: 200 }, (_, i) => `office${i}@example.com`);
    for (const email of people) await server.container.accounts.createAccount({ email, password: PASSWORD });
    const seen: number[] = [];
    for (let i = 0; i < people.length; i += 10) {
      const batch = people.slice(i, i + 10).map((email) => attempt(web, email, PASSWORD, '198.51.100.21'));
      seen.push(...(await Promise.all(batch)).map((page) => page.status));
    }
    expect(seen.filter((status) => status !== 200)).toEqual([]);
  }, 300_000); // 200 full sign-ins: slow on embedded PGlite

  it('clears the address+account count on a success, and still stops failures at the cap', async () => {
    const from = '198.51.100.22';
    for (let round = 0; round < 2; round += 1) {
      expect(await statuses(9, () => attempt(web, 'typo@example.com', 'wrong', from))).toEqual(Array(9).fill(401));
      expect((await attempt(web, 'typo@example.com', PASSWORD, from)).status).toBe(200);
    }
    // Ten failures in a row from one address: the next attempt is refused, right password or not.
    expect(await statuses(10, () => attempt(web, 'typo@example.com', 'wrong', '198.51.100.23'))).toEqual(Array(10).fill(401));
    expect((await attempt(web, 'typo@example.com', PASSWORD, '198.51.100.23')).status).toBe(429);
    expect((await attempt(web, 'typo@example.com', PASSWORD, '198.51.100.24')).status).toBe(200);
  });
});

describe('failures from elsewhere do not delay a known device or address', () => {
  let server: TestServer;
  let web: RegisteredClient;
  const OWNER = 'owner@example.com';
  const HOME = '198.51.100.50';

  /** The attacker guesses from many addresses until the account has a wait (threshold 3). */
  async function attackerGuesses(times: number) {
    return statuses(times, (i) => attempt(web, OWNER, `guess-${i}`, `203.0.113.${100 + (i % 50)}`));
  }

  /** A new browser that carries only the known-device cookie of `from`, no session. */
  async function deviceOnly(from: UserAgent): Promise<UserAgent> {
    const device = new UserAgent();
    for (const cookie of await from.jar.getCookies(server.issuer)) {
      if (cookie.key.startsWith('idp.known')) await device.jar.setCookie(cookie.toString(), server.issuer);
    }
    return device;
  }

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        TRUSTED_PROXIES: '127.0.0.1',
        LOGIN_FAILURES_BEFORE_DELAY: '3',
        LOGIN_DELAY_BASE_SECONDS: '600',
        LOGIN_DELAY_MAX_SECONDS: '900',
        LOGIN_LOCKOUT_AFTER_FAILURES: '6',
      },
    });
    web = await registerClient(server.issuer, server.container);
    await server.container.accounts.createAccount({ email: OWNER, password: PASSWORD });
  });
  afterAll(() => server.close());

  it('delays an unknown browser on an unknown address, but not the owner on a known device or address', async () => {
    const laptop = new UserAgent();
    expect((await attempt(web, OWNER, PASSWORD, HOME, laptop)).status).toBe(200);
    await server.container.loginProtection.reset(OWNER);

    expect(await attackerGuesses(3)).toEqual([401, 401, 401]);
    // The attacker (and anyone unknown) now waits, even with the right password.
    expect((await attempt(web, OWNER, PASSWORD, '203.0.113.200')).status).toBe(429);
    // The owner's laptop, on an address it never used: known device.
    expect((await attempt(web, OWNER, PASSWORD, '192.0.2.77', await deviceOnly(laptop))).status).toBe(200);
    await attackerGuesses(3);
    // A fresh browser at home: known address.
    expect((await attempt(web, OWNER, PASSWORD, HOME)).status).toBe(200);
    await attackerGuesses(3);
    // A browser holding a live session of the account (prompt=login asks for the password again).
    const withSession = new UserAgent();
    await attempt(web, OWNER, PASSWORD, HOME, withSession);
    await attackerGuesses(3);
    for (const cookie of await withSession.jar.getCookies(server.issuer)) {
      if (cookie.key.startsWith('idp.known')) await withSession.jar.setCookie(`${cookie.key}=; Max-Age=0`, server.issuer);
    }
    expect((await attempt(web, OWNER, PASSWORD, '192.0.2.78', withSession, { prompt: 'login' })).status).toBe(200);
  });

  it('forgets a device once the password changes (a reset after a compromise revokes it)', async () => {
    const laptop = new UserAgent();
    expect((await attempt(web, OWNER, PASSWORD, '192.0.2.120', laptop)).status).toBe(200);
    const NEW_PASSWORD = 'another long and correct password';
    await server.container.db('accounts').where({ email: OWNER }).update({ password_hash: await server.container.hasher.hash(NEW_PASSWORD) });
    await attackerGuesses(3);
    expect((await attempt(web, OWNER, NEW_PASSWORD, '192.0.2.121', await deviceOnly(laptop))).status).toBe(429);
    await server.container.db('accounts').where({ email: OWNER }).update({ password_hash: await server.container.hasher.hash(PASSWORD) });
    await server.container.loginProtection.reset(OWNER);
  });

  it("brings the wait back for a known device's own failures", async () => {
    const laptop = new UserAgent();
    expect((await attempt(web, OWNER, PASSWORD, HOME, laptop)).status).toBe(200);
    await attackerGuesses(3);
    const again = { prompt: 'login' }; // the laptop holds a session: ask for the password anyway
    expect(await statuses(3, () => attempt(web, OWNER, 'my own typo', HOME, laptop, again))).toEqual([401, 401, 401]);
    expect((await attempt(web, OWNER, PASSWORD, HOME, laptop, again)).status).toBe(429);
    await server.container.loginProtection.reset(OWNER);
  });
});

describe('lockout and known devices', () => {
  let server: TestServer;
  let web: RegisteredClient;
  const OWNER = 'locked-owner@example.com';

  beforeAll(async () => {
    // Waits start later than the lockout here, so the lock itself is reached without waiting.
    server = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1', LOGIN_FAILURES_BEFORE_DELAY: '20', LOGIN_LOCKOUT_AFTER_FAILURES: '4' } });
    web = await registerClient(server.issuer, server.container);
    await server.container.accounts.createAccount({ email: OWNER, password: PASSWORD });
  });
  afterAll(() => server.close());

  it('keeps a known device signing in when failures from elsewhere lock the account', async () => {
    const laptop = new UserAgent();
    expect((await attempt(web, OWNER, PASSWORD, '192.0.2.90', laptop)).status).toBe(200);
    const guesses = await statuses(4, (i) => attempt(web, OWNER, `guess-${i}`, `203.0.113.${i + 1}`));
    expect(guesses).toEqual([401, 401, 401, 401]);
    const locked = await server.container.accounts.listLocked();
    expect(locked.map((account) => account.email)).toEqual([OWNER]);
    // An unknown browser on an unknown address gets the locked answer (the wrong-password page).
    expect((await attempt(web, OWNER, PASSWORD, '203.0.113.250')).status).toBe(401);
    // The owner's device still signs in, from anywhere; the lock stays for everyone else.
    const device = new UserAgent();
    for (const cookie of await laptop.jar.getCookies(server.issuer)) {
      if (cookie.key.startsWith('idp.known')) await device.jar.setCookie(cookie.toString(), server.issuer);
    }
    expect((await attempt(web, OWNER, PASSWORD, '192.0.2.91', device)).status).toBe(200);
    expect((await attempt(web, OWNER, PASSWORD, '203.0.113.251')).status).toBe(401);
  });
});

describe('password confirmation on the account pages', () => {
  let env: AccountTestServer;
  let web: RegisteredClient;

  /** A browser behind the trusted proxy, whose client address can move (Wi-Fi to mobile). */
  class Roaming extends UserAgent {
    constructor(public from: string) {
      super();
    }
    override request(url: string, init: Parameters<UserAgent['request']>[1] = {}): Promise<Page> {
      return super.request(url, { ...init, headers: { 'x-forwarded-for': this.from, ...init.headers } });
    }
  }

  beforeAll(async () => {
    env = await startAccountServer({
      env: { TRUSTED_PROXIES: '127.0.0.1', LOGIN_FAILURES_BEFORE_DELAY: '3', LOGIN_DELAY_BASE_SECONDS: '600', LOGIN_DELAY_MAX_SECONDS: '900' },
    });
    web = await registerClient(env.issuer, env.server.container);
    await env.server.container.accounts.createAccount({ email: 'pat@example.com', password: PASSWORD, emailVerified: true });
  });
  afterAll(() => env.close());

  it('is not delayed for the signed-in owner by failures from elsewhere', async () => {
    const laptop = new Roaming('192.0.2.200');
    await signInToAccount(laptop, env.issuer, { email: 'pat@example.com', password: PASSWORD });
    laptop.from = '192.0.2.201'; // a new address: only the session makes the laptop known
    const guesses = await statuses(3, (i) => attempt(web, 'pat@example.com', `guess-${i}`, `203.0.113.${30 + i}`));
    expect(guesses).toEqual([401, 401, 401]);
    expect((await attempt(web, 'pat@example.com', PASSWORD, '203.0.113.40')).status).toBe(429);
    const form = await laptop.request(`${env.issuer}/account/password`);
    const done = await submit(laptop, form, '/account/password', { current: PASSWORD, password: 'a brand new long password' });
    expect(done.url).toBe(`${env.issuer}/account?done=password`);
  });
});
