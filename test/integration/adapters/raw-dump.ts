import type { Redis } from 'ioredis';
import type { Knex } from 'knex';

/** Every row of oidc_models as the database renders it, so nothing the driver parses is missed. */
export async function dumpOidcModels(db: Knex): Promise<string[]> {
  const result = await db.raw('select to_jsonb(m)::text as row from oidc_models m');
  return (result.rows as Array<{ row: string }>).map((row) => row.row);
}

/** Keys under a prefix, through a client without a key prefix (SCAN ignores the client's prefix). */
export async function redisKeys(raw: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

/** Every key under a prefix followed by everything stored under it. */
export async function dumpRedis(raw: Redis, prefix: string): Promise<string[]> {
  const entries = [];
  for (const key of await redisKeys(raw, prefix)) {
    const type = await raw.type(key);
    let value: unknown;
    if (type === 'hash') value = await raw.hgetall(key);
    else if (type === 'set') value = (await raw.smembers(key)).sort();
    else if (type === 'string') value = await raw.get(key);
    else throw new Error(`unexpected Redis type ${type} at ${key}`);
    entries.push(`${key} ${JSON.stringify(value)}`);
  }
  return entries;
}
