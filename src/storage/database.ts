import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/logger.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';

export interface Database {
  db: Knex;
  kind: Config['database']['kind'];
  close(): Promise<void>;
}

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite in the data folder. */
export async function openDatabase(config: Config, role: 'server' | 'cli' = 'server', logger?: Logger): Promise<Database> {
  if (config.database.kind === 'postgres') return openPostgres(config, logger);
  const lock = acquireDataDirLock(config.dataDir, role);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const directory = join(config.dataDir, 'pg');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const pglite = await PGlite.create(directory);
    return wrapPglite(pglite, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * knex writes pool trouble ("Acquire connection error: connect ECONNREFUSED") with console.log; this
 * sends it to the JSON log instead. Only knex's message text is logged, never query bindings.
 */
function knexLog(logger: Logger) {
  const text = (message: unknown) => (message instanceof Error ? message.message : String(message));
  return {
    warn: (message: unknown) => logger.warn({ source: 'knex' }, text(message)),
    error: (message: unknown) => logger.error({ source: 'knex' }, text(message)),
    deprecate: (message: unknown) => logger.warn({ source: 'knex' }, text(message)),
    debug: (message: unknown) => logger.debug({ source: 'knex' }, text(message)),
  };
}

function openPostgres(config: Config, logger?: Logger): Database {
  const { url, schema, poolMax, statementTimeoutMs } = config.database;
  const db = knexFactory({
    client: 'pg',
    connection: {
      connectionString: url,
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + 1000,
      connectionTimeoutMillis: statementTimeoutMs,
      application_name: 'idp',
    },
    searchPath: schema ? [schema] : undefined,
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: statementTimeoutMs },
    acquireConnectionTimeout: statementTimeoutMs,
    ...(logger ? { log: knexLog(logger) } : {}),
  });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

/**
 * Wraps an already started PGlite in knex. The instance is handed over through a function because
 * knex deep-copies plain connection objects, which breaks PGlite.
 */
export async function wrapPglite(pglite: PGlite, lock?: DataDirLock): Promise<Database> {
  const { default: ClientPgLite } = await import('knex-pglite');
  const Base = ClientPgLite as unknown as new (config: Knex.Config) => { processResponse(obj: { method?: string }, runner: unknown): unknown };
  // knex-pglite names the DELETE command after knex's `del` method, so knex's pg dialect returns the
  // raw result instead of the row count for deletes. Renaming the method restores the count.
  class PgliteClient extends Base {
    override processResponse(obj: { method?: string }, runner: unknown) {
      return super.processResponse(obj.method === 'del' ? { ...obj, method: 'delete' } : obj, runner);
    }
  }
  const db = knexFactory({
    client: PgliteClient as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
  });
  return {
    db,
    kind: 'pglite',
    async close() {
      await db.destroy(); // knex-pglite closes the PGlite instance itself
      if (!pglite.closed) await pglite.close();
      lock?.release();
    },
  };
}
