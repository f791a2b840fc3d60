import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { buildContainer, type Container } from '../../src/container.js';
import { startHttpServer, type RunningServer } from '../../src/server.js';
import type { Resolver } from '../../src/outbound/guard.js';
import type { Clock } from '../../src/shared/clock.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { openTestDatabase, usingRedis, type TestDatabase } from './database.js';
import { openTestRedis, type TestRedis } from './redis.js';

export const TEST_SERVER_SECRET = 'test-server-secret-that-is-long-enough-0123456789';
/**
 * Test webhook receivers and upstream providers listen on loopback, which webhooks and upstream
 * connections may reach only when OUTBOUND_ALLOWED_HOSTS says so: the test servers say so.
 */
export const TEST_OUTBOUND_ALLOWED = '127.0.0.0/8,::1';

export interface TestServer {
  issuer: string;
  container: Container;
  http: RunningServer;
  testDatabase: TestDatabase;
  testRedis?: TestRedis;
  close(): Promise<void>;
}

/** An HTTP listener bound to port 0 on loopback: the system picks the port, and it stays ours. */
export async function listenOnFreePort(): Promise<{ listener: Server; port: number }> {
  const listener = createHttpServer();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  });
  return { listener, port: (listener.address() as { port: number }).port };
}

/**
 * The real application on a random port, on this file's own database (and Redis when REDIS_URL is
 * set), with bcrypt at its lowest cost so logins are quick.
 */
export async function startTestServer(
  options: { env?: Record<string, string>; clock?: Clock; /** The issuer's host name (WebAuthn needs a domain such as localhost, never an IP address). */ issuerHost?: string; testDatabase?: TestDatabase; testRedis?: TestRedis; logger?: Logger; outboundResolver?: Resolver } = {},
): Promise<TestServer> {
  // Bound first, then the app built for that port: no window in which another process takes it.
  const { listener, port } = await listenOnFreePort();
  const issuer = `http://${options.issuerHost ?? '127.0.0.1'}:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-test-'));
  const testDatabase = options.testDatabase ?? (await openTestDatabase());
  const testRedis = options.testRedis ?? (usingRedis() ? await openTestRedis() : undefined);
  const { config } = loadConfig({
    ...baseTestEnv(port, dataDir),
    ISSUER: issuer,
    // Tests sign the same people in over and over from 127.0.0.1; the throughput caps have tests of their own.
    LOGIN_ATTEMPTS_PER_IP: '100000',
    LOGIN_ATTEMPTS_PER_IP_AND_ACCOUNT: '100000',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: testDatabase.schema } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: testRedis!.prefix } : {}),
    ...options.env,
  });
  const container = await buildContainer(config, {
    database: testDatabase.database,
    redis: testRedis?.redis ?? null,
    clock: options.clock,
    logger: options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    outboundResolver: options.outboundResolver,
  }).catch((error: unknown) => {
    listener.close();
    throw error;
  });
  const http = await startHttpServer(container, { listening: listener });
  return {
    issuer,
    container,
    http,
    testDatabase,
    testRedis,
    async close() {
      await http.drain();
      await container.close();
      if (!options.testRedis) await testRedis?.destroy();
      if (!options.testDatabase) await testDatabase.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The settings every in-process test server starts from: its own port, issuer and data folder, a fixed secret, cheap hashes, no logs. */
export function baseTestEnv(port: number, dataDir: string): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    SERVER_SECRET: TEST_SERVER_SECRET,
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    OUTBOUND_ALLOWED_HOSTS: TEST_OUTBOUND_ALLOWED,
    // The offer to add a passkey after sign-in is an extra page in every flow: its own tests turn it on.
    PASSKEY_OFFER_DAYS: '0',
  };
}
