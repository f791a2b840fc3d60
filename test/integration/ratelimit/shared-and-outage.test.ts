import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { createLoginProtection } from '../../../src/ratelimit/login-protection.js';
import { createMailLimit } from '../../../src/ratelimit/mail-limit.js';
import { createLimiterFactory } from '../../../src/ratelimit/store.js';
import { openTestDatabase, usingRedis, type TestDatabase } from '../../support/database.js';
import { openTestRedis, type TestRedis } from '../../support/redis.js';
import { startTestServer, TEST_SERVER_SECRET, type TestServer } from '../../support/server.js';
import { registerClient, startAuthorization } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const describeWithRedis = usingRedis() ? describe : describe.skip;

describeWithRedis('limits shared by two instances on one Redis', () => {
  let testDatabase: TestDatabase;
  let testRedis: TestRedis;
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    testRedis = await openTestRedis();
    const env = { LOGIN_FAILURES_BEFORE_DELAY: '3' };
    first = await startTestServer({ env, testDatabase, testRedis });
    second = await startTestServer({ env, testDatabase, testRedis });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await testRedis?.destroy();
    await testDatabase?.destroy();
  });

  it('counts failures made on either instance together', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) {
      const server = i % 2 === 0 ? first : second;
      const client = await registerClient(server.issuer, server.container);
      const agent = new UserAgent();
      const loginPage = await agent.request((await startAuthorization(client)).url.href);
      const page = await agent.request(UserAgent.action(loginPage, '/login'), {
        form: { csrf: UserAgent.field(loginPage, 'csrf'), email: 'shared@example.com', password: 'wrong' },
      });
      statuses.push(page.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('rate-limit store outage', () => {
  it('fails closed with a 503 instead of letting login attempts through unchecked', async () => {
    // Redis is "down": a socket path in a fresh empty folder, where nothing can listen (no port that
    // another program might have taken meanwhile).
    const folder = mkdtempSync(join(tmpdir(), 'idp-no-redis-'));
    const redis = new Redis({ path: join(folder, 'redis.sock'), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const { config } = loadConfig({ SERVER_SECRET: TEST_SERVER_SECRET, DATA_DIR: '/tmp/unused-idp-test' });
    const protection = createLoginProtection(createLimiterFactory(redis), config.rateLimits, TEST_SERVER_SECRET);
    await expect(protection.beforeAttempt('203.0.113.1', 'someone@example.com')).rejects.toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    await expect(protection.recordFailure('someone@example.com', '203.0.113.1')).rejects.toMatchObject({ status: 503 });
    redis.disconnect();
    rmSync(folder, { recursive: true, force: true });
  });

  it('uses in-memory limits in embedded mode (no Redis), counting failures', async () => {
    const { config } = loadConfig({ SERVER_SECRET: TEST_SERVER_SECRET, DATA_DIR: '/tmp/unused-idp-test', LOGIN_ATTEMPTS_PER_IP: '2' });
    const protection = createLoginProtection(createLimiterFactory(undefined), config.rateLimits, TEST_SERVER_SECRET);
    expect(await protection.beforeAttempt('203.0.113.2', 'a@example.com')).toEqual({ allowed: true });
    await protection.recordFailure('a@example.com', '203.0.113.2');
    expect(await protection.beforeAttempt('203.0.113.2', 'b@example.com')).toEqual({ allowed: true });
    await protection.recordFailure('b@example.com', '203.0.113.2');
    expect(await protection.beforeAttempt('203.0.113.2', 'c@example.com')).toMatchObject({ allowed: false, reason: 'ip' });
  });
});

describe('mail endpoint limits', () => {
  it('limits per address and per IP', async () => {
    const { config } = loadConfig({
      SERVER_SECRET: TEST_SERVER_SECRET,
      DATA_DIR: '/tmp/unused-idp-test',
      MAIL_REQUESTS_PER_ADDRESS_PER_HOUR: '2',
      MAIL_REQUESTS_PER_IP_PER_HOUR: '3',
    });
    const limit = createMailLimit(createLimiterFactory(undefined), config.rateLimits);
    await limit.check('one@example.com', '203.0.113.9');
    await limit.check('ONE@example.com', '203.0.113.10');
    await expect(limit.check('one@example.com', '203.0.113.11')).rejects.toMatchObject({ status: 429, headers: { 'Retry-After': expect.any(String) } });
    await limit.check('two@example.com', '203.0.113.12');
    await limit.check('three@example.com', '203.0.113.12');
    await limit.check('four@example.com', '203.0.113.12');
    await expect(limit.check('five@example.com', '203.0.113.12')).rejects.toMatchObject({ status: 429 });
  });
});
