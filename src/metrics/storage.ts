import type { Knex } from 'knex';
import { isStorageOutage } from '../errors/storage-outage.js';
import type { RedisClient } from '../storage/redis.js';
import { redisIsReady } from '../storage/redis.js';
import type { Metrics } from './registry.js';

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/**
 * Pool gauges read at scrape time, and a count of store outages as the drivers report them (a
 * failed query that was an outage, a Redis connection error). Returns a function that detaches the
 * listeners, for an instance closed while its stores stay open (tests share them).
 */
export function watchStorage(metrics: Metrics, stores: { db: Knex; redis?: RedisClient }): () => void {
  const { db, redis } = stores;
  metrics.watchPools({
    database: () => {
      const pool = (db.client as { pool?: TarnPool }).pool;
      return pool ? { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() } : undefined;
    },
    redisReady: redis ? () => redisIsReady(redis) : undefined,
  });
  const onQueryError = (error: unknown) => {
    if (isStorageOutage(error)) metrics.storageErrors.inc({ store: 'database' });
  };
  const onRedisError = () => metrics.storageErrors.inc({ store: 'redis' });
  db.on('query-error', onQueryError);
  redis?.on('error', onRedisError);
  return () => {
    db.off('query-error', onQueryError);
    redis?.off('error', onRedisError);
  };
}
