import { Redis, type Cluster } from 'ioredis';
import { createRedisAdapter } from '../../../src/oidc/adapters/redis-adapter.js';
import { systemClock } from '../../../src/shared/clock.js';
import { openTestRedis } from '../../support/redis.js';
import type { ContractStore } from './contract-store.js';
import { dumpRedis, redisKeys } from './raw-dump.js';

/**
 * The Redis adapter under this file's own key prefix. The raw view uses a second client without
 * the prefix, since SCAN ignores the client's prefix.
 */
export async function openRedisContractStore(): Promise<ContractStore> {
  const testRedis = await openTestRedis();
  const raw = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  const { prefix } = testRedis;

  const keys = () => redisKeys(raw, prefix);

  return {
    adapter: (model) => createRedisAdapter(testRedis.redis, model),
    clock: systemClock,
    ...ttlControls(raw, keys, prefix),
    dump: () => dumpRedis(raw, prefix),
    async clear() {
      const found = await keys();
      if (found.length) await raw.del(...found);
    },
    async close() {
      raw.disconnect();
      await testRedis.destroy();
    },
  };
}

/**
 * Redis keeps its own time, which a test cannot move; instead every key's remaining TTL is shortened
 * by the same amount, and a key whose TTL runs out is removed, as Redis would. For one server or a Cluster.
 */
export function ttlControls(raw: Redis | Cluster, keys: () => Promise<string[]>, prefix: string): Pick<ContractStore, 'passTime' | 'lifetimes'> {
  return {
    async passTime(seconds) {
      for (const key of await keys()) {
        const remaining = await raw.pttl(key);
        if (remaining < 0) continue;
        if (remaining <= seconds * 1000) await raw.del(key);
        else await raw.pexpire(key, remaining - seconds * 1000);
      }
    },
    async lifetimes() {
      const result = [];
      for (const key of await keys()) {
        const ttl = await raw.ttl(key);
        result.push({ entry: key.slice(prefix.length), seconds: ttl === -1 ? null : ttl });
      }
      return result;
    },
  };
}
