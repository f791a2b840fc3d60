import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** Which stores the suite runs against: real servers when their URLs are set, embedded otherwise. */
export const usingPostgres = () => Boolean(process.env.DATABASE_URL);
export const usingRedis = () => Boolean(process.env.REDIS_URL);

/**
 * One database per test file: a fresh schema on the real Postgres (DATABASE_URL), or a PGlite
 * started from the migrated template.
 */
export async function openTestDatabase(kind: 'postgres' | 'pglite' = usingPostgres() ? 'postgres' : 'pglite'): Promise<TestDatabase> {
  if (kind === 'pglite') {
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
