import type { RedisClient as Redis } from '../../storage/redis.js';
import type { Knex } from 'knex';
import { modelKeyStem } from './redis-adapter.js';

/**
 * Removes a browser session by its `uid`. Sessions are filed under a hash of their cookie value,
 * which is never stored, so the model's own destroy(id) cannot be used by an operator; the stores'
 * uid indexes can. This follows the key layouts of redis-adapter.ts (`{oidc:Session}:uid:<uid>` holds
 * the record's key) and sql-adapter.ts (the `uid` column), and the factory's choice between them.
 */
export function createSessionRemover(deps: { db: Knex; redis?: Redis }) {
  return async (uid: string): Promise<boolean> => {
    if (deps.redis) {
      const uidKey = `${modelKeyStem('Session')}uid:${uid}`;
      const recordKey = await deps.redis.get(uidKey);
      if (!recordKey) return false;
      await deps.redis.del(recordKey, uidKey);
      return true;
    }
    return (await deps.db('oidc_models').where({ model: 'Session', uid }).delete()) > 0;
  };
}

export type SessionRemover = ReturnType<typeof createSessionRemover>;
