import { Redis } from 'ioredis';
import type { Config } from '../config/load.js';

/**
 * Opens Redis with bounded waits: a command that gets no answer fails after REDIS_COMMAND_TIMEOUT_MS,
 * and commands are not queued while the connection is down, so an outage surfaces as an error (503)
 * instead of a pile-up of hanging requests.
 */
export function openRedis(config: Config): Redis {
  if (!config.redis.url) throw new Error('REDIS_URL is not set');
  const redis = new Redis(config.redis.url, {
    keyPrefix: config.redis.keyPrefix,
    commandTimeout: config.redis.commandTimeoutMs,
    connectTimeout: config.redis.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  return redis;
}

/** Connects and waits until Redis answers, so start-up fails fast on a wrong REDIS_URL. */
export async function connectRedis(redis: Redis): Promise<void> {
  await redis.connect();
  await redis.ping();
}
