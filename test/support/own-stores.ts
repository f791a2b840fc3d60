import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { buildContainer, type Container } from '../../src/container.js';
import { startHttpServer, type RunningServer } from '../../src/server.js';
import { createLogger } from '../../src/shared/logger.js';
import type { TestDatabase } from './database.js';
import { baseTestEnv, listenOnFreePort } from './server.js';

export interface OwnStoreServer {
  issuer: string;
  container: Container;
  http: RunningServer;
  close(): Promise<void>;
}

/**
 * The application on a random port, opening its stores itself from URLs exactly as in production
 * (bounded pool, statement and command timeouts, reconnecting Redis), for the outage tests. The
 * database is either a URL (the app opens and closes it) or a test database handed in.
 */
export async function startOwnStoreServer(options: {
  databaseUrl?: string;
  testDatabase?: TestDatabase;
  redisUrl?: string;
  env?: Record<string, string>;
}): Promise<OwnStoreServer> {
  const { listener, port } = await listenOnFreePort();
  const issuer = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-own-'));
  const databaseEnv = options.databaseUrl
    ? { DATABASE_URL: options.databaseUrl }
    : options.testDatabase?.schema
      ? { DATABASE_URL: process.env.DATABASE_URL!, DATABASE_SCHEMA: options.testDatabase.schema }
      : {};
  const { config } = loadConfig({
    ...baseTestEnv(port, dataDir),
    DATABASE_STATEMENT_TIMEOUT_MS: '1000',
    REDIS_COMMAND_TIMEOUT_MS: '300',
    ...databaseEnv,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const container = await buildContainer(config, {
    database: options.databaseUrl ? undefined : options.testDatabase?.database,
    redis: options.redisUrl ? undefined : null,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  }).catch((error: unknown) => {
    listener.close();
    throw error;
  });
  const http = await startHttpServer(container, { listening: listener });
  return {
    issuer,
    container,
    http,
    async close() {
      await http.drain();
      await container.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Asserts the shape of an outage answer: 503, Retry-After, and no stack trace in the body. */
export async function outageAnswer(response: Response): Promise<{ status: number; retryAfter: string | null; body: string }> {
  const body = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}
