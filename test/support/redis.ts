import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export interface TestRedis {
  redis: Redis;
  prefix: string;
  destroy(): Promise<void>;
}

/** A Redis client whose keys all carry a prefix unique to this test file, removed afterwards. */
export async function openTestRedis(): Promise<TestRedis> {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set');
  const prefix = `test:${process.env.JEST_WORKER_ID ?? '0'}:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(url, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
  await redis.ping();
  return {
    redis,
    prefix,
    async destroy() {
      // SCAN ignores the client's key prefix, so this uses a separate client without one.
      const plain = new Redis(url);
      let cursor = '0';
      do {
        const [next, keys] = await plain.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length) await plain.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      plain.disconnect();
      redis.disconnect();
    },
  };
}
