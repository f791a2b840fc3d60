import { createSqlAdapter } from '../../../src/oidc/adapters/sql-adapter.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import type { ContractStore } from './contract-store.js';
import { dumpOidcModels } from './raw-dump.js';
import { ManualClock } from '../../support/manual-clock.js';

export interface SqlContractStore extends ContractStore {
  clock: ManualClock;
  testDatabase: TestDatabase;
}

/**
 * The SQL adapter on this file's own database: a fresh schema on the real Postgres, or a PGlite
 * started from the migrated template. SQL has no TTL of its own, so time is the injected clock.
 */
export async function openSqlContractStore(kind: 'postgres' | 'pglite'): Promise<SqlContractStore> {
  const testDatabase = await openTestDatabase(kind);
  const { db } = testDatabase.database;
  const clock = new ManualClock();
  return {
    clock,
    testDatabase,
    adapter: (model) => createSqlAdapter(db, clock, model),
    async passTime(seconds) {
      clock.advance(seconds);
    },
    async lifetimes() {
      const rows: Array<{ model: string; id: string; expires_at: Date | null }> = await db('oidc_models').select('model', 'id', 'expires_at');
      return rows.map((row) => ({
        entry: `${row.model}:${row.id}`,
        seconds: row.expires_at === null ? null : (new Date(row.expires_at).getTime() - clock.now().getTime()) / 1000,
      }));
    },
    dump: () => dumpOidcModels(db),
    async clear() {
      await db('oidc_models').delete();
    },
    close: () => testDatabase.destroy(),
  };
}
