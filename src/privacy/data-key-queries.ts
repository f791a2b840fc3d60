import type { Knex } from 'knex';

export interface DataKeyRow {
  account_id: string;
  /** Null once erased (a tombstone). */
  sealed_key: string | null;
}

/** SQL of the per-account data keys (migrations/20261206000000_create_account_data_keys.js). */
export function createDataKeyQueries(db: Knex) {
  return {
    findKeys: (accountIds: readonly string[], source: Knex | Knex.Transaction = db): Promise<DataKeyRow[]> =>
      accountIds.length ? source('account_data_keys').select('account_id', 'sealed_key').whereIn('account_id', [...accountIds]) : Promise.resolve([]),

    /** Inserts the keys of accounts that have none; a concurrent writer's key (or a tombstone) wins. */
    async insertMissingKeys(keys: { account_id: string; sealed_key: string }[], createdAt: Date): Promise<void> {
      if (keys.length === 0) return;
      await db('account_data_keys').insert(keys.map((key) => ({ ...key, created_at: createdAt }))).onConflict('account_id').ignore();
    },

    /** Destroys an account's key, leaving a tombstone; inside the deletion's transaction. */
    async eraseKey(trx: Knex | Knex.Transaction, accountId: string, at: Date): Promise<void> {
      await trx('account_data_keys')
        .insert({ account_id: accountId, sealed_key: null, created_at: at, erased_at: at })
        .onConflict('account_id')
        .merge({ sealed_key: null, erased_at: at });
    },
  };
}

export type DataKeyQueries = ReturnType<typeof createDataKeyQueries>;
