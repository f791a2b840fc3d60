import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import knexFactory from 'knex';
import { wrapPglite, type Database } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { pgliteTemplatePath } from './pglite-template.js';

export interface TestDatabase {
  database: Database;
  /** The Postgres schema of this test file, when running against a real server. */
  schema?: string;
  /** Drops what the test created and closes the connection. */
  destroy(): Promise<void>;
}

/**
 * The global setup prepares the migrated template, but a migration added while the suite runs (or a
 * file run on its own) can find it missing; it is then made here with the same script, which writes
 * atomically, so two workers doing this at once is harmless.
 */
function ensurePgliteTemplate(): void {
  if (existsSync(pgliteTemplatePath())) return;
  const script = fileURLToPath(new URL('./prepare-pglite-template.mts', import.meta.url));
  execFileSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
}

/** Which stores the suite runs against: real servers when their URLs are set, embedded otherwise. */
export const usingPostgres = () => Boolean(process.env.DATABASE_URL);
export const usingRedis = () => Boolean(process.env.REDIS_URL);

/**
 * One database per test file: a fresh schema on the real Postgres (DATABASE_URL), or a PGlite
 * started from the migrated template.
 */
export async function openTestDatabase(kind: 'postgres' | 'pglite' = usingPostgres() ? 'postgres' : 'pglite'): Promise<TestDatabase> {
  if (kind === 'pglite') {
    ensurePgliteTemplate();
    const template = readFileSync(pgliteTemplatePath());
    const pglite = await PGlite.create({ loadDataDir: new Blob([template]) });
    const database = await wrapPglite(pglite);
    return { database, destroy: () => database.close() };
  }
  const schema = `test_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  const db = knexFactory({
    client: 'pg',
    connection: process.env.DATABASE_URL,
    searchPath: [schema],
    pool: { min: 0, max: 5 },
  });
  await migrateToLatest(db, { schema });
  const database: Database = { db, kind: 'postgres', close: () => db.destroy() };
  return {
    database,
    schema,
    async destroy() {
      await db.raw('drop schema if exists ?? cascade', [schema]);
      await db.destroy();
    },
  };
}
