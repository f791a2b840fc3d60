import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisAdapter, modelKeyStem } from '../../src/oidc/adapters/redis-adapter.js';
import type { Browser } from './browser-flow.js';

export interface RedisMemory {
  sessions: number;
  /** INFO used_memory after minus before: the whole server, so other users of Redis add noise. */
  usedMemoryDeltaMiB: number;
  /** MEMORY USAGE of exactly the keys written: not affected by anyone else. */
  keysMiB: number;
  bytesPerSession: number;
}

const SESSIONS = 10_000;

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

/**
 * Redis memory per 10,000 signed-in sessions. A real session is made by a password login (the
 * browser given); logging in 10,000 times at bcrypt cost 12 would take most of an hour, so its
 * stored record is then written 10,000 times under new ids and uids through our Redis adapter,
 * exactly as the server writes a session (record and uid index, with the session TTL).
 */
/** Where the Redis adapter files Session records (a hash-tagged stem, for Redis Cluster). */
const SESSION_STEM = modelKeyStem('Session');

export async function measureRedisSessions(url: string, prefix: string, _signedIn: Browser): Promise<RedisMemory> {
  process.stderr.write(`▶ Redis memory per ${SESSIONS} sessions\n`);
  const plain = new Redis(url);
  const prefixed = new Redis(url, { keyPrefix: prefix });
  try {
    let sample: string | undefined;
    let ttl = 14 * 24 * 3600;
    let cursor = '0';
    do {
      const [next, keys] = await plain.scan(cursor, 'MATCH', `${prefix}${SESSION_STEM}*`, 'COUNT', 1000);
      const record = keys.find((key) => !key.slice(prefix.length + SESSION_STEM.length).includes(':'));
      if (record) {
        sample = (await plain.hget(record, 'payload')) ?? undefined;
        ttl = Math.max(60, await plain.ttl(record));
      }
      cursor = next;
    } while (cursor !== '0' && !sample);
    if (!sample) throw new Error('no session record found in Redis');
    const payload = JSON.parse(sample) as Record<string, unknown>;

    const adapter = createRedisAdapter(prefixed, 'Session');
    const before = await usedMemory(plain);
    const written: string[] = [];
    for (let batch = 0; batch < SESSIONS; batch += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, SESSIONS - batch) }, async () => {
          const id = randomBytes(32).toString('base64url');
          const uid = randomBytes(16).toString('base64url');
          written.push(id);
          await adapter.upsert(id, { ...payload, jti: id, uid, iat: Math.floor(Date.now() / 1000) }, ttl);
        }),
      );
    }
    const after = await usedMemory(plain);
    let bytes = 0;
    cursor = '0';
    do {
      const [next, keys] = await plain.scan(cursor, 'MATCH', `${prefix}${SESSION_STEM}*`, 'COUNT', 1000);
      const usage = await Promise.all(keys.map((key) => plain.memory('USAGE', key, 'SAMPLES', '0')));
      bytes += usage.reduce<number>((sum, value) => sum + Number(value ?? 0), 0);
      cursor = next;
    } while (cursor !== '0');
    const mib = (value: number) => Math.round((value / 2 ** 20) * 100) / 100;
    const result = { sessions: written.length, usedMemoryDeltaMiB: mib(after - before), keysMiB: mib(bytes), bytesPerSession: Math.round(bytes / (written.length + 1)) };
    process.stderr.write(`  ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    plain.disconnect();
    prefixed.disconnect();
  }
}
