import type { RedisClient as Redis } from './redis.js';
import type { Knex } from 'knex';

export interface DependencyStatus {
  name: 'database' | 'redis';
  ok: boolean;
  error?: string;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asks each store a trivial question with a bounded wait. */
export async function probeDependencies(deps: { db: Knex; redis?: Redis; timeoutMs: number }): Promise<DependencyStatus[]> {
  const probe = async (name: DependencyStatus['name'], check: () => Promise<unknown>): Promise<DependencyStatus> => {
    try {
      await withTimeout(check(), deps.timeoutMs);
      return { name, ok: true };
    } catch (error) {
      return { name, ok: false, error: (error as Error).message };
    }
  };
  const probes = [probe('database', () => deps.db.raw('select 1'))];
  if (deps.redis) probes.push(probe('redis', () => deps.redis!.ping()));
  return Promise.all(probes);
}
