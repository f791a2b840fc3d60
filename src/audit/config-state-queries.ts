import type { Knex } from 'knex';

/** The configuration as stored after a start: values safe to show, and fingerprints of the secrets. */
export interface ConfigSnapshot {
  settings: Record<string, unknown>;
  /** HMAC-SHA256 per secret-bearing setting, under a key derived from SERVER_SECRET (see `keyId`). */
  fingerprints: Record<string, string>;
  /** Names the SERVER_SECRET entry whose derived key made the fingerprints, without revealing it. */
  keyId: string;
}

export interface StoredConfigState {
  snapshot: ConfigSnapshot;
  version: string;
}

/** The one row of `config_state`, changed only by compare-and-set on its version. */
export function createConfigStateQueries(db: Knex) {
  return {
    async findConfigState(): Promise<StoredConfigState | undefined> {
      const row = await db('config_state').select('snapshot', db.raw('version::text as version')).where({ id: 1 }).first();
      return row ? { snapshot: row.snapshot as ConfigSnapshot, version: row.version as string } : undefined;
    },

    /** Stores the first snapshot; false when another process stored one first. */
    async insertConfigState(snapshot: ConfigSnapshot, at: Date): Promise<boolean> {
      const inserted = await db('config_state').insert({ id: 1, snapshot: JSON.stringify(snapshot), version: 1, recorded_at: at }).onConflict('id').ignore().returning('id');
      return inserted.length === 1;
    },

    /** Replaces the snapshot if it is still at `version`; false when another process changed it first. */
    async replaceConfigState(snapshot: ConfigSnapshot, version: string, at: Date): Promise<boolean> {
      const updated = await db('config_state')
        .where({ id: 1, version })
        .update({ snapshot: JSON.stringify(snapshot), version: db.raw('version + 1'), recorded_at: at });
      return updated === 1;
    },

    /** Undoes a store whose event could not be written, unless another process has moved on since. */
    async restoreConfigState(previous: StoredConfigState | undefined, storedVersion: string, at: Date): Promise<void> {
      const current = db('config_state').where({ id: 1, version: storedVersion });
      if (previous) await current.update({ snapshot: JSON.stringify(previous.snapshot), version: db.raw('version + 1'), recorded_at: at });
      else await current.del();
    },
  };
}

export type ConfigStateQueries = ReturnType<typeof createConfigStateQueries>;
