import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { usingPostgres, usingRedis } from '../../support/database.js';
import { startServerProcess } from '../../support/processes.js';
import { TEST_SERVER_SECRET } from '../../support/server.js';

// Spawning the server process loads the app and opens its database: slow on a busy 2-core machine.
jest.setTimeout(180_000);

interface Outcome {
  startedAt: number;
  error?: string;
}

/**
 * SIGTERM under steady load, on the real process (`npm start`'s command). The server must turn
 * unready at once, keep serving during SHUTDOWN_DRAIN_DELAY_MS, finish what is in flight, and exit 0
 * with its pools closed. A request may fail only if the test sent it after it saw the instance
 * unready (then a load balancer would have sent it elsewhere).
 */
describe('graceful shutdown under load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-drain-'));
  const schema = `drain_${randomBytes(4).toString('hex')}`;
  const prefix = `drain:${randomBytes(4).toString('hex')}:`;

  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (usingPostgres()) {
      const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
      await db.raw('drop schema if exists ?? cascade', [schema]);
      await db.destroy();
    }
    if (usingRedis()) {
      const redis = new Redis(process.env.REDIS_URL!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('drains on SIGTERM with no client-visible error before it turned unready, and exits 0', async () => {
    const server = await startServerProcess({
      DATA_DIR: dataDir,
      SERVER_SECRET: TEST_SERVER_SECRET,
      SHUTDOWN_DRAIN_DELAY_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '5000',
      TOKEN_AUTH_FAILURES_PER_IP_AND_CLIENT: '1000000',
      TOKEN_AUTH_FAILURES_PER_IP: '1000000',
      TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '1000000',
      ...(usingPostgres() ? { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
      ...(usingRedis() ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}),
    });
    const base = `http://127.0.0.1:${server.port}`;
    // Each kind of request with the answer it must get: discovery, keys, and a token request that
    // reads the database and the rate-limit store (an unknown client: 401).
    const requests: [() => Promise<Response>, number][] = [
      [() => fetch(`${base}/.well-known/openid-configuration`), 200],
      [() => fetch(`${base}/jwks`), 200],
      [
        () =>
          fetch(`${base}/token`, {
            method: 'POST',
            headers: { authorization: `Basic ${Buffer.from('unknown:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          }),
        401,
      ],
    ];
    const outcomes: Outcome[] = [];
    let exited = false;
    const worker = async (offset: number) => {
      for (let i = offset; !exited && i < offset + 100_000; i += 1) {
        const [send, expected] = requests[i % requests.length];
        const outcome: Outcome = { startedAt: performance.now() };
        outcomes.push(outcome);
        try {
          const response = await send();
          await response.arrayBuffer();
          if (response.status !== expected) outcome.error = `status ${response.status}`;
        } catch (error) {
          outcome.error = (error as Error).message;
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, index) => worker(index));
    // Steady state first: a bounded number of served requests, not a sleep.
    while (outcomes.filter((outcome) => !outcome.error).length < 60) await new Promise((resolve) => setImmediate(resolve));

    const exit = server.stop('SIGTERM');
    let unreadyAt: number | undefined;
    let readinessAnswer: number | undefined;
    for (let attempt = 0; attempt < 500 && unreadyAt === undefined; attempt += 1) {
      try {
        const ready = await fetch(`${base}/readyz`);
        await ready.arrayBuffer();
        if (ready.status === 503) {
          unreadyAt = performance.now();
          readinessAnswer = 503;
        }
      } catch {
        unreadyAt = performance.now();
      }
    }
    const code = await exit;
    exited = true;
    await Promise.all(workers);

    expect(code).toBe(0);
    expect(readinessAnswer).toBe(503);
    expect(server.output()).toContain('"msg":"stopped"');
    const before = outcomes.filter((outcome) => outcome.startedAt < unreadyAt!);
    expect(before.length).toBeGreaterThan(60);
    expect(before.filter((outcome) => outcome.error).map((outcome) => outcome.error)).toEqual([]);
  });
});
