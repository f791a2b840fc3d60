import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as oidc from 'openid-client';
import { runCommand } from '../../../src/cli/run.js';
import { Redis } from 'ioredis';
import { dumpOidcModels, dumpRedis } from '../adapters/raw-dump.js';
import { submit } from '../../support/accounts.js';
import { bootstrapAdmin } from '../../support/admin.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

jest.setTimeout(60_000);

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface DeviceClient {
  clientId: string;
  config: oidc.Configuration;
  /** The token endpoint's answers to this configuration's requests, in order. */
  answers: Array<{ status: number; error?: string }>;
}

/** A device client registered through the service, discovered with openid-client (which records the token endpoint's answers). */
async function deviceClient(server: TestServer, name = 'Living-room TV'): Promise<DeviceClient> {
  const { client } = await server.container.clients.createClient({ name, type: 'device', redirectUris: [], postLogoutRedirectUris: [] });
  const config = await oidc.discovery(new URL(server.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const answers: DeviceClient['answers'] = [];
  config[oidc.customFetch] = async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    if (new URL(url).pathname === '/token') {
      const body = (await response.clone().json().catch(() => ({}))) as { error?: string };
      answers.push({ status: response.status, error: body.error });
    }
    return response;
  };
  return { clientId: client.client_id, config, answers };
}

/** Polls once the person has answered: with no interval to wait, the first poll gets the result. */
const pollNow = (client: DeviceClient, started: oidc.DeviceAuthorizationResponse, signal?: AbortSignal) =>
  oidc.pollDeviceAuthorizationGrant(client.config, { ...started, interval: 0 }, undefined, signal ? { signal } : undefined);

/** What the poll was refused with (openid-client throws the token endpoint's error). */
const refusal = (promise: Promise<unknown>) => promise.then(() => 'tokens', (error: { error?: string; name?: string }) => error.error ?? error.name);

/** The user code typed as people type it: small letters, no dash. */
const typed = (userCode: string) => userCode.replace('-', '').toLowerCase();

/** Opens /device and types a code: the confirmation page (or the page explaining why not). */
async function enterCode(agent: UserAgent, issuer: string, userCode: string): Promise<Page> {
  const page = await agent.request(`${issuer}/device`);
  expect(page.status).toBe(200);
  return submit(agent, page, '/device', { user_code: userCode });
}

/** Enters the code, confirms, signs in, and answers the consent page. */
async function answerDevice(agent: UserAgent, issuer: string, userCode: string, answer: 'allow' | 'deny' = 'allow'): Promise<Page> {
  const confirm = await enterCode(agent, issuer, typed(userCode));
  expect(confirm.status).toBe(200);
  let page = await submit(agent, confirm, '/device', { confirm: 'yes' });
  if (page.body.includes('name="password"')) page = await submit(agent, page, '/login', alice);
  if (page.body.includes('/confirm"')) page = await submit(agent, page, answer === 'allow' ? '/confirm' : '/deny');
  return page;
}

async function eventsOfType(server: TestServer, type: string) {
  return server.container.vault.reveal(await server.container.db('events').where({ type }).orderBy('id')) as Promise<Array<{ account_id: string | null; client_id: string | null; outcome: string; detail: Record<string, unknown> }>>;
}

describe('device authorization grant (RFC 8628)', () => {
  let server: TestServer;
  let tv: DeviceClient;
  let aliceId: string;

  beforeAll(async () => {
    server = await startTestServer();
    aliceId = (await server.container.accounts.createAccount({ ...alice, name: 'Alice Example', emailVerified: true })).id;
    tv = await deviceClient(server);
  });
  afterAll(() => server?.close());

  it('is advertised in discovery, with the grant type', async () => {
    const metadata = tv.config.serverMetadata();
    expect(metadata.device_authorization_endpoint).toBe(`${server.issuer}/device/auth`);
    expect(metadata.grant_types_supported).toContain(DEVICE_GRANT);
  });

  it('issues tokens for the signed-in person once they confirm the code, typed in any case and without the dash', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid email' });
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri).toBe(`${server.issuer}/device`);

    const agent = new UserAgent();
    const confirm = await enterCode(agent, server.issuer, typed(started.user_code));
    // The confirmation names the client and shows the code to compare with the device's screen.
    expect(confirm.body).toContain('Living-room TV');
    expect(confirm.body).toContain(started.user_code);
    expect(confirm.body).toContain('See your email address');
    const done = await answerDeviceFrom(agent, confirm);
    expect(done.status).toBe(200);
    expect(done.body).toContain('Device connected');

    const tokens = await pollNow(tv, started);
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.claims()).toMatchObject({ sub: aliceId, aud: tv.clientId, iss: server.issuer });
    const userinfo = await oidc.fetchUserInfo(tv.config, tokens.access_token, aliceId);
    expect(userinfo).toMatchObject({ sub: aliceId, email: alice.email });

    const approved = await eventsOfType(server, 'device_authorization.approved');
    expect(approved.at(-1)).toMatchObject({ account_id: aliceId, client_id: tv.clientId, outcome: 'success', detail: { scope: 'openid email' } });
    const issued = await eventsOfType(server, 'token.issued');
    expect(issued.at(-1)).toMatchObject({ account_id: aliceId, client_id: tv.clientId, detail: { grantType: DEVICE_GRANT } });
  });

  /** Confirms on an open confirmation page, then signs in and allows. */
  async function answerDeviceFrom(agent: UserAgent, confirm: Page): Promise<Page> {
    let page = await submit(agent, confirm, '/device', { confirm: 'yes' });
    if (page.body.includes('name="password"')) page = await submit(agent, page, '/login', alice);
    if (page.body.includes('/confirm"')) page = await submit(agent, page, '/confirm');
    return page;
  }

  it('refuses the device with access_denied when the person cancels on the confirmation page', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const agent = new UserAgent();
    const confirm = await enterCode(agent, server.issuer, started.user_code);
    const cancelled = await submit(agent, confirm, '/device', { abort: 'yes' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toContain('Device not connected');
    expect(await refusal(pollNow(tv, started))).toBe('access_denied');
    const denied = await eventsOfType(server, 'device_authorization.denied');
    expect(denied.at(-1)).toMatchObject({ client_id: tv.clientId, outcome: 'failure', detail: { stage: 'confirm' } });
  });

  it('refuses the device with access_denied when the person denies on the consent page', async () => {
    // A fresh client: alice has not consented to it yet, so the consent page is shown.
    const other = await deviceClient(server, 'Kitchen speaker');
    const otherStarted = await oidc.initiateDeviceAuthorization(other.config, { scope: 'openid email' });
    const page = await answerDevice(new UserAgent(), server.issuer, otherStarted.user_code, 'deny');
    expect(page.body).toContain('Device not connected');
    expect(await refusal(pollNow(other, otherStarted))).toBe('access_denied');
    const denied = await eventsOfType(server, 'device_authorization.denied');
    expect(denied.at(-1)).toMatchObject({ account_id: aliceId, client_id: other.clientId, detail: { stage: 'sign_in' } });
  });

  it('answers expired_token for a device code past its expiry, and the page refuses its user code', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    // oidc-provider reads its own clock, not the server's injected one: the code's expiry is moved
    // into the past as the passing of its lifetime would, and saved through the provider's model.
    const { DeviceCode } = server.container.providers.current();
    const code = await DeviceCode.find(started.device_code);
    code!.exp = Math.floor(Date.now() / 1000) - 1;
    await code!.save();
    expect(await refusal(pollNow(tv, started))).toBe('expired_token');
    const page = await enterCode(new UserAgent(), server.issuer, started.user_code);
    expect(page.status).toBe(400);
    expect(page.body).toContain('That code is not valid');
  });

  it('tells a device that polls a pending code too often to slow_down, and records no failure for waiting', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const controller = new AbortController();
    const from = tv.answers.length;
    const before = (await eventsOfType(server, 'token.grant_failed')).length;
    // openid-client polls again at once after authorization_pending (interval 0), and adds 5 seconds
    // after slow_down: the test stops it there.
    const watcher = setInterval(() => {
      if (tv.answers.slice(from).some((answer) => answer.error === 'slow_down')) controller.abort();
    }, 5);
    try {
      await refusal(pollNow(tv, started, controller.signal));
    } finally {
      clearInterval(watcher);
    }
    expect(tv.answers.slice(from, from + 2)).toEqual([{ status: 400, error: 'authorization_pending' }, { status: 400, error: 'slow_down' }]);
    expect((await eventsOfType(server, 'token.grant_failed')).length).toBe(before);
  });

  it('refuses a replayed device code (invalid_grant) and revokes what it issued; the used user code is refused on the page', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    await answerDevice(new UserAgent(), server.issuer, started.user_code);
    const tokens = await pollNow(tv, started);
    expect(await refusal(pollNow(tv, started))).toBe('invalid_grant');
    const introspected = await server.container.providers.current().AccessToken.find(tokens.access_token);
    expect(introspected).toBeUndefined();
    const page = await enterCode(new UserAgent(), server.issuer, started.user_code);
    expect(page.status).toBe(400);
    expect(page.body).toContain('That code is not valid');
  });

  it('keeps no usable device code in the store: the record is filed under a hash and holds the code sealed', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    let dump: string[];
    if (server.testRedis) {
      const raw = new Redis(process.env.REDIS_URL!);
      try {
        dump = await dumpRedis(raw, server.testRedis.prefix);
      } finally {
        raw.disconnect();
      }
    } else {
      dump = await dumpOidcModels(server.container.db);
    }
    const text = dump.join('\n');
    expect(text).toContain(started.user_code.replace('-', ''));
    expect(text).toContain('sealedJti');
    expect(text).not.toContain(started.device_code);
  });

  it('answers a wrong code with the code page and a 400, never a 500', async () => {
    const agent = new UserAgent();
    const page = await enterCode(agent, server.issuer, 'BBBB-BBBB');
    expect(page.status).toBe(400);
    expect(page.body).toContain('That code is not valid');
    expect(page.body).toContain('name="user_code"');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers bad input on the device endpoints with a 4xx, never a 500', async () => {
    const agent = new UserAgent();
    const form = await agent.request(`${server.issuer}/device`);
    const xsrf = UserAgent.field(form, 'xsrf');
    const post = (body: string) => fetch(`${server.issuer}/device`, {
      method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') },
    });
    const statuses: Record<string, number> = {};
    for (const [name, body] of Object.entries({
      'no code': `xsrf=${xsrf}`,
      'two codes': `xsrf=${xsrf}&user_code=AAAA&user_code=BBBB`,
      'long code': `xsrf=${xsrf}&user_code=${'B'.repeat(5000)}`,
      'symbols only': `xsrf=${xsrf}&user_code=${encodeURIComponent('<script>-%%')}`,
      'unicode': `xsrf=${xsrf}&user_code=${encodeURIComponent('ＢＣＤＦ-ＧＨＪＫ')}`,
      'no xsrf': 'user_code=BCDF-GHJK',
      'confirm without lookup': `xsrf=${xsrf}&user_code=BCDF-GHJK&confirm=yes`,
      'broken body': '%%%',
    })) {
      const response = await post(body);
      statuses[name] = response.status;
      expect(await response.text()).not.toContain('    at ');
    }
    const gets = {
      'resume of an unknown interaction': await fetch(`${server.issuer}/device/not-an-interaction`),
      'code in the query with markup': await fetch(`${server.issuer}/device?user_code=${encodeURIComponent('"><script>')}`),
      'device authorization without a client': await fetch(`${server.issuer}/device/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'scope=openid' }),
      'device authorization with an unknown scope': await fetch(`${server.issuer}/device/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${tv.clientId}&scope=openid%20nonsense%00` }),
    };
    for (const [name, response] of Object.entries(gets)) statuses[name] = response.status;
    const fivehundreds = Object.entries(statuses).filter(([, status]) => status >= 500 || status < 200);
    expect(fivehundreds).toEqual([]);
    expect(statuses['no code']).toBe(400);
    expect(statuses['no xsrf']).toBe(400);
  });

  it('refuses the device grant to clients of other types, and the code flow to device clients', async () => {
    const { client: web, clientSecret } = await server.container.clients.createClient({ name: 'Web', type: 'web', redirectUris: ['http://127.0.0.1:9/cb'], postLogoutRedirectUris: [] });
    const webConfig = await oidc.discovery(new URL(server.issuer), web.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    expect(await refusal(oidc.initiateDeviceAuthorization(webConfig, { scope: 'openid' }))).toBe('invalid_request'); // oidc-provider: "…device_code is not allowed for this client"
    const authorize = await fetch(`${server.issuer}/auth?client_id=${tv.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, { redirect: 'manual' });
    expect(authorize.status).toBe(400);
  });

  it('registers device clients through the CLI and the admin API as public clients without redirect URIs', async () => {
    const cli = { ...server.container, afterKeyRotation: () => server.container.providers.refreshKeys() };
    const created = await runCommand(cli, ['client', 'create', '--name', 'CLI tool', '--type', 'device', '--json']);
    expect(created.exitCode).toBe(0);
    const data = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(data).toMatchObject({ type: 'device', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'], redirect_uris: [] });
    expect(data.client_secret).toBeUndefined();
    const withUri = await runCommand(cli, ['client', 'create', '--name', 'TV', '--type', 'device', '--redirect-uri', 'https://tv.example/cb']);
    expect(withUri.exitCode).toBe(1);
    expect(withUri.stderr).toContain('a device client has no redirect URIs');

    const admin = await bootstrapAdmin(server);
    const viaApi = await admin.call('POST', '/admin/api/v1/clients', { name: 'Set-top box', type: 'device' });
    expect(viaApi.status).toBe(201);
    expect(viaApi.body).toMatchObject({ type: 'device', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'] });
    expect(viaApi.body.client_secret).toBeUndefined();
    const refused = await admin.call('POST', '/admin/api/v1/clients', { name: 'Set-top box', type: 'device', redirect_uris: ['https://box.example/cb'] });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('user code entry is throttled per browser session and per IP', () => {
  let server: TestServer;
  let tv: DeviceClient;

  beforeAll(async () => {
    server = await startTestServer({ env: { USER_CODE_FAILURES_PER_SESSION: '3', USER_CODE_FAILURES_PER_IP: '5' } });
    await server.container.accounts.createAccount({ ...alice, emailVerified: true });
    tv = await deviceClient(server);
  });
  afterAll(() => server?.close());

  it('never charges a person for right codes, charges wrong ones, and answers 429 past the limit, even for a right code', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const agent = new UserAgent();
    // More right codes than the limit: each finds the code and costs nothing.
    for (let attempt = 0; attempt < 4; attempt += 1) expect((await enterCode(agent, server.issuer, started.user_code)).status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await enterCode(agent, server.issuer, 'BBBB-BBBB')).status).toBe(400);
    const blocked = await enterCode(agent, server.issuer, started.user_code);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body).toContain('Too many attempts');
    // A right code posted straight to the confirmation is refused too: the limit comes before any lookup.
    const form = await agent.request(`${server.issuer}/device`);
    expect((await agent.request(`${server.issuer}/device`, { form: { xsrf: UserAgent.field(form, 'xsrf'), user_code: started.user_code, confirm: 'yes' } })).status).toBe(429);
    // Another browser session from the same address still gets in (below the per-IP limit).
    expect((await enterCode(new UserAgent(), server.issuer, started.user_code)).status).toBe(200);
  });

  it('answers 429 from a new session once the address has spent its wrong codes', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    // The address has 3 wrong codes from the test above and 2 to go; new sessions do not reset it.
    for (let attempt = 0; attempt < 2; attempt += 1) expect((await enterCode(new UserAgent(), server.issuer, 'CCCC-CCCC')).status).toBe(400);
    const fresh = await enterCode(new UserAgent(), server.issuer, started.user_code);
    expect(fresh.status).toBe(429);
    expect(fresh.body).toContain('Too many attempts');
  });

});
