import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../migrations', import.meta.url));

/** A fixed key for pg_advisory_lock: instances starting together run the migrations once, in turn. */
const MIGRATION_LOCK_KEY = 7_264_019_381;

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies pending migrations under a session-level advisory lock. knex's own lock row makes a
 * second instance fail instead of wait; the advisory lock makes it wait and then find nothing to do.
 */
export async function migrateToLatest(
  db: Knex,
  options: { schema?: string; singleConnection?: boolean } = {},
): Promise<MigrationResult> {
  const { schema } = options;
  if (schema) await db.raw('create schema if not exists ??', [schema]);
  // PGlite has one connection in one process: holding a lock on it would deadlock the migrator.
  if (options.singleConnection) {
    const [, applied] = (await db.migrate.latest(migrationConfig(schema))) as [number, string[]];
    return { applied };
  }
  const connection = await db.client.acquireConnection();
  try {
    await db.raw('select pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(connection);
    const [, applied] = (await db.migrate.latest(migrationConfig(schema))) as [number, string[]];
    return { applied };
  } finally {
    await db.raw('select pg_advisory_unlock(?)', [MIGRATION_LOCK_KEY]).connection(connection).catch(() => undefined);
    await db.client.releaseConnection(connection);
  }
}

export async function rollbackAll(db: Knex, schema?: string): Promise<void> {
  await db.migrate.rollback(migrationConfig(schema), true);
}

function migrationConfig(schema?: string): Knex.MigratorConfig {
  return {
    directory: MIGRATIONS_DIRECTORY,
    loadExtensions: ['.js'],
    schemaName: schema,
    tableName: 'knex_migrations',
  };
}
