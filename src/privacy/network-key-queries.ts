import type { Knex } from 'knex';

export interface NetworkKeyRow {
  period: string;
  /** Null once destroyed by retention. */
  sealed_key: string | null;
}

/** SQL of the per-day keys of events' network fields (migrations/20261206133100_create_event_network_keys.js). */
export function createNetworkKeyQueries(db: Knex) {
  const keys = () => db<NetworkKeyRow & { created_at: Date; erased_at: Date | null }>('event_network_keys');
  return {
    findKeys: (periods: readonly string[]): Promise<NetworkKeyRow[]> =>
      periods.length ? keys().select('period', 'sealed_key').whereIn('period', [...periods]) : Promise.resolve([]),

    /** Inserts a day's key unless one (or a tombstone) exists; a concurrent writer's key wins. */
    async insertMissingKey(period: string, sealedKey: string, at: Date): Promise<void> {
      await keys().insert({ period, sealed_key: sealedKey, created_at: at }).onConflict('period').ignore();
    },

    /** Destroys the keys of every day before `period` (YYYY-MM-DD sorts as text); returns those days. */
    async eraseKeysBefore(period: string, at: Date): Promise<string[]> {
      const rows = await keys().where('period', '<', period).whereNotNull('sealed_key').update({ sealed_key: null, erased_at: at }).returning('period');
      return rows.map((row) => (row as { period: string }).period).sort();
    },
  };
}

export type NetworkKeyQueries = ReturnType<typeof createNetworkKeyQueries>;
