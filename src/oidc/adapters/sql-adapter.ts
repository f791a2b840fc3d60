import type { Knex } from 'knex';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../shared/clock.js';
import type { InsertIfAbsent } from './types.js';
import { payloadForStorage, payloadFromStorage, storageKeyFor } from './stored-id.js';

interface ModelRow {
  model: string;
  id: string;
  payload: AdapterPayload;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: Date | null;
  consumed_at: Date | null;
}

/**
 * oidc-provider models in the `oidc_models` table. Used for Grant and RefreshToken always (they must
 * outlive a Redis loss) and for every model in embedded mode.
 */
export function createSqlAdapter(db: Knex, clock: Clock, model: string): Adapter & InsertIfAbsent {
  const rows = () => db<ModelRow>('oidc_models');
  const live = (query: Knex.QueryBuilder) =>
    query.where((inner) => inner.whereNull('expires_at').orWhere('expires_at', '>', clock.now()));

  async function findWhere(where: Partial<ModelRow>, id?: string): Promise<AdapterPayload | undefined> {
    const row = (await live(rows().where({ model, ...where })).first()) as ModelRow | undefined;
    if (!row) return undefined;
    const consumed = row.consumed_at ? Math.floor(new Date(row.consumed_at).getTime() / 1000) : undefined;
    return payloadFromStorage(row.payload, id, consumed);
  }

  return {
    async upsert(id, payload, expiresIn) {
      const row = {
        model,
        id: storageKeyFor(id),
        payload: payloadForStorage(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        expires_at: expiresIn ? new Date(clock.now().getTime() + expiresIn * 1000) : null,
      };
      await rows().insert(row).onConflict(['model', 'id']).merge(['payload', 'grant_id', 'uid', 'user_code', 'expires_at']);
    },

    find: (id) => findWhere({ id: storageKeyFor(id) }, id),

    findByUid: (uid) => findWhere({ uid }),
    findByUserCode: (userCode) => findWhere({ user_code: userCode }),

    /**
     * Marks the record consumed in one conditional UPDATE, so of two concurrent redemptions exactly
     * one succeeds; the other is refused as a replay.
     */
    async consume(id) {
      const key = storageKeyFor(id);
      const updated = await rows().where({ model, id: key }).whereNull('consumed_at').update({ consumed_at: clock.now() });
      if (updated === 0 && (await rows().where({ model, id: key }).first())) {
        throw new errors.InvalidGrant(`${model} already consumed`);
      }
    },

    async destroy(id) {
      await rows().where({ model, id: storageKeyFor(id) }).delete();
    },

    /** One INSERT that writes only over nothing or an expired record (expired ones wait for the purge). */
    async insertIfAbsent(id, payload, expiresIn) {
      const now = clock.now();
      const row = { model, id: storageKeyFor(id), payload: payloadForStorage(payload), expires_at: new Date(now.getTime() + Math.max(1, expiresIn) * 1000) };
      const written = await rows().insert(row).onConflict(['model', 'id']).merge(['payload', 'expires_at']).where('oidc_models.expires_at', '<=', now).returning('id');
      return written.length === 1;
    },

    async revokeByGrantId(grantId) {
      await rows().where({ model, grant_id: grantId }).delete();
    },
  };
}

/** Deletes expired records; run periodically, since SQL has no TTL of its own. */
export async function purgeExpiredModels(db: Knex, now: Date): Promise<number> {
  return db('oidc_models').where('expires_at', '<', now).delete();
}
