import type { RedisClient as Redis } from '../../storage/redis.js';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { InsertIfAbsent } from './types.js';
import { GRANT_BOUND_MODELS, payloadForStorage, payloadFromStorage, storageKeyFor } from './stored-id.js';

/**
 * Sets the record, its secondary indexes and their TTLs in one step. A grant's index lives as long
 * as its longest-lived member, so it is only ever extended. When the record replaces an older one,
 * the older one's indexes are dropped first, so a lookup by its former uid, user code or grant
 * cannot reach the new record.
 * KEYS: record, grant index, uid index, user-code index
 * ARGV: payload JSON, ttl seconds (0 = none), record key without prefix, then '1' or '0' for each
 * index in use (ioredis prefixes every key, so an unused index cannot be signalled by an empty name),
 * then the prefixed stem of this model's keys, to name the older record's indexes
 */
const UPSERT_SCRIPT = `
local previous = redis.call('HGET', KEYS[1], 'payload')
if previous then
  local old = cjson.decode(previous)
  for field, kind in pairs({ uid = 'uid:', userCode = 'usercode:' }) do
    if type(old[field]) == 'string' then
      local index = ARGV[7] .. kind .. old[field]
      if redis.call('GET', index) == ARGV[3] then redis.call('DEL', index) end
    end
  end
  if type(old.grantId) == 'string' then redis.call('SREM', ARGV[7] .. 'grant:' .. old.grantId, ARGV[3]) end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
if ARGV[4] == '1' then
  local current = redis.call('TTL', KEYS[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  if ttl == 0 then redis.call('PERSIST', KEYS[2])
  elseif current == -2 or (current >= 0 and current < ttl) then redis.call('EXPIRE', KEYS[2], ttl) end
end
for i = 3, 4 do
  if ARGV[i + 2] == '1' then
    redis.call('SET', KEYS[i], ARGV[3])
    if ttl > 0 then redis.call('EXPIRE', KEYS[i], ttl) end
  end
end
return 1
`;

/** Marks a record consumed unless it already was: 1 = now consumed, 0 = replay, -1 = missing. */
const CONSUME_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])
`;

/** Writes the record only if there is none: 1 = written, 0 = one exists. */
const INSERT_IF_ABSENT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Deletes every member of a grant's index and the index itself. */
const REVOKE_SCRIPT = `
local members = redis.call('SMEMBERS', KEYS[1])
for _, member in ipairs(members) do redis.call('DEL', ARGV[1] .. member) end
redis.call('DEL', KEYS[1])
return #members
`;

/**
 * Every key of one model starts with this stem. The braces are a Redis Cluster hash tag: all keys of
 * a model (records and their uid, user-code and grant indexes) hash to one slot, so the Lua scripts
 * above, which touch a record and its indexes together and build index names inside the script,
 * stay atomic on a Cluster too. The price is that one model's keys live on one shard; see
 * docs/operations.md (Redis Cluster).
 */
export const modelKeyStem = (model: string) => `{oidc:${model}}:`;

/**
 * oidc-provider's short-lived models in Redis (ioredis). Each record is a hash with the payload and,
 * once consumed, the consumption time. The key prefix set on the client applies to every key.
 */
export function createRedisAdapter(redis: Redis, model: string): Adapter & InsertIfAbsent {
  // Hashed ids are base64url, which has no ':', so they cannot collide with the index keys.
  const stem = modelKeyStem(model);
  const recordKey = (hashedId: string) => `${stem}${hashedId}`;
  const uidKey = (uid: string) => `${stem}uid:${uid}`;
  const userCodeKey = (userCode: string) => `${stem}usercode:${userCode}`;
  // One index per model and grant: revokeByGrantId removes that model's records only, as in SQL.
  const grantKey = (grantId: string) => `${stem}grant:${grantId}`;
  const prefix = redis.options.keyPrefix ?? '';

  async function readRecord(key: string, id: string | undefined): Promise<AdapterPayload | undefined> {
    const [payload, consumed] = await redis.hmget(key, 'payload', 'consumed');
    if (!payload) return undefined;
    return payloadFromStorage(JSON.parse(payload) as AdapterPayload, id, consumed ? Number(consumed) : undefined);
  }

  async function readIndexed(indexKey: string): Promise<AdapterPayload | undefined> {
    const key = await redis.get(indexKey);
    return key ? readRecord(key, undefined) : undefined;
  }

  return {
    async upsert(id, payload, expiresIn) {
      const key = recordKey(storageKeyFor(id));
      const grantId = GRANT_BOUND_MODELS.has(model) ? payload.grantId : undefined;
      const flag = (value: unknown) => (value ? '1' : '0');
      // Index values are stored without the client's prefix: ioredis adds it again when they are used as keys.
      await redis.eval(
        UPSERT_SCRIPT,
        4,
        key,
        grantKey(grantId ?? '-'),
        uidKey(payload.uid ?? '-'),
        userCodeKey(payload.userCode ?? '-'),
        JSON.stringify(payloadForStorage(payload)),
        String(expiresIn ?? 0),
        key,
        flag(grantId),
        flag(payload.uid),
        flag(payload.userCode),
        `${prefix}${stem}`,
      );
    },

    find: (id) => readRecord(recordKey(storageKeyFor(id)), id),
    findByUid: (uid) => readIndexed(uidKey(uid)),
    findByUserCode: (userCode) => readIndexed(userCodeKey(userCode)),

    async consume(id) {
      const result = await redis.eval(CONSUME_SCRIPT, 1, recordKey(storageKeyFor(id)), String(Math.floor(Date.now() / 1000)));
      if (result === 0) throw new errors.InvalidGrant(`${model} already consumed`);
    },

    async destroy(id) {
      await redis.del(recordKey(storageKeyFor(id)));
    },

    async insertIfAbsent(id, payload, expiresIn) {
      const written = await redis.eval(INSERT_IF_ABSENT_SCRIPT, 1, recordKey(storageKeyFor(id)), JSON.stringify(payloadForStorage(payload)), String(Math.max(1, expiresIn)));
      return written === 1;
    },

    async revokeByGrantId(grantId) {
      await redis.eval(REVOKE_SCRIPT, 1, grantKey(grantId), prefix);
    },
  };
}
