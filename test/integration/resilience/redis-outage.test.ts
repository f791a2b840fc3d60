import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { outageAnswer, startOwnStoreServer, type OwnStoreServer } from '../../support/own-stores.js';
import { privateRedisMissing, startPrivateRedis, waitFor, type PrivateRedis } from '../../support/private-servers.js';
import { exchangeCode, registerClient, signIn, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };
const STACK = /at .*\.(ts|js):\d+/;
const skip = privateRedisMissing();

/**
 * A private Redis that the test stops, empties and freezes, under the app as configured in
 * production (REDIS_COMMAND_TIMEOUT_MS bounds every command; nothing is queued while it is down).
 * The database is this mode's test database (Postgres or PGlite).
 */
(skip ? describe.skip : describe)(`Redis outage${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: PrivateRedis;
  let testDatabase: TestDatabase;
  let server: OwnStoreServer;
  let web: RegisteredClient;

  const get = (path: string, init: RequestInit = {}) => fetch(`${server.issuer}${path}`, init);
  const userinfo = (accessToken: string) => get('/me', { headers: { authorization: `Bearer ${accessToken}` } });

  beforeAll(async () => {
    redis = await startPrivateRedis();
    testDatabase = await openTestDatabase();
    server = await startOwnStoreServer({ testDatabase, redisUrl: redis.url });
    await server.container.accounts.createAccount(alice);
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(async () => {
    await server?.close();
    await testDatabase?.destroy();
    await redis?.stop();
  });

  it('answers 503 with Retry-After while Redis is down, and resumes when it is back (empty)', async () => {
    // Whatever ran before: Redis up and the server ready.
    await waitFor('readiness', async () => (await get('/readyz')).status === 200);
    // offline_access: a refresh token that does not end with the browser session (which is in Redis).
    const { start, callback, agent } = await signIn(web, alice, { scope: 'openid offline_access', prompt: 'consent' });
    const before = await exchangeCode(web, start, callback.url);
    const pending = await agent.request((await startAuthorization(web, { prompt: 'login' })).url.href);
    expect(pending.body).toContain('name="password"');

    await redis.stop();

    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: expect.arrayContaining([{ name: 'redis', ok: false }]) });

    const answers = {
      authorize: await outageAnswer(await fetch((await startAuthorization(web)).url, { headers: { accept: 'text/html' }, redirect: 'manual' })),
      loginPage: await agent.request(pending.url).then((page) => ({ status: page.status, retryAfter: page.headers.get('retry-after'), body: page.body })),
      userinfo: await outageAnswer(await userinfo(before.access_token)),
      introspection: await outageAnswer(
        await get('/token/introspection', {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: `token=${before.access_token}`,
        }),
      ),
      refresh: await outageAnswer(
        await get('/token', {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&refresh_token=${before.refresh_token}`,
        }),
      ),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect({ name, status: answer.status, retryAfter: answer.retryAfter }).toEqual({ name, status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      expect(answer.body).not.toMatch(STACK);
    }
    expect(JSON.parse(answers.userinfo.body)).toMatchObject({ error: 'temporarily_unavailable' });
    expect(JSON.parse(answers.refresh.body)).toMatchObject({ error: 'temporarily_unavailable' });

    await redis.start();
    await waitFor('readiness after Redis returns', async () => (await get('/readyz')).status === 200);

    // Redis came back empty: the access token and the browser session are gone, so people sign in
    // again; the refresh token and its grant live in Postgres and still work.
    expect((await userinfo(before.access_token)).status).toBe(401);
    const refreshed = await oidc.refreshTokenGrant(web.config, before.refresh_token!);
    expect((await userinfo(refreshed.access_token)).status).toBe(200);
    const again = await agent.request((await startAuthorization(web)).url.href);
    expect(again.body).toContain('name="password"');
  });

  it('times out on a frozen Redis instead of piling up, and resumes with its data', async () => {
    // Redis may have been restarted by another test: the clients may take a moment to be back in service.
    let tokens: Awaited<ReturnType<typeof exchangeCode>> | undefined;
    await waitFor('a complete sign-in after the restart', async () => {
      try {
        const { start, callback } = await signIn(web, alice);
        tokens = await exchangeCode(web, start, callback.url);
        return true;
      } catch {
        return false;
      }
    }, 20, 250);
    if (!tokens) throw new Error('no tokens');
    const issued = tokens;
    redis.pause();
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => userinfo(issued.access_token)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(503));
      expect((await get('/readyz')).status).toBe(503);
    } finally {
      redis.resume();
    }
    await waitFor('readiness after Redis thaws', async () => (await get('/readyz')).status === 200);
    expect((await userinfo(issued.access_token)).status).toBe(200);
  });
});
