import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/load.js';

/** A single Redis (standalone or behind Sentinel) or a Redis Cluster: the same commands either way. */
export type RedisClient = Redis | Cluster;

/**
 * Opens Redis with bounded waits: a command that gets no answer fails after REDIS_COMMAND_TIMEOUT_MS,
 * and commands are not queued while the connection is down, so an outage surfaces as an error (503)
 * instead of a pile-up of hanging requests. Reconnection goes on in the background forever, so
 * service resumes by itself when Redis is back.
 *
 * REDIS_URL forms (REDIS_MODE says which):
 * - standalone: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS;
 * - sentinel: `redis://[:password@]sentinel-1:26379,redis://sentinel-2:26379` with REDIS_SENTINEL_NAME
 *   naming the master; the password is the master's (and the sentinels' if they ask for one);
 * - cluster: `redis://[:password@]node-1:6379,redis://node-2:6379`, any reachable nodes as seeds.
 */
export function openRedis(config: Config): RedisClient {
  const { url, mode, sentinelName, keyPrefix, commandTimeoutMs } = config.redis;
  if (!url) throw new Error('REDIS_URL is not set');
  const nodes = url.split(',').map((part) => new URL(part.trim()));
  const first = nodes[0];
  const auth = {
    username: first.username ? decodeURIComponent(first.username) : undefined,
    password: first.password ? decodeURIComponent(first.password) : undefined,
    tls: first.protocol === 'rediss:' ? {} : undefined,
  };
  const bounded: RedisOptions = {
    keyPrefix,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  const address = (node: URL) => ({ host: node.hostname, port: Number(node.port || 6379) });

  if (mode === 'cluster') {
    return new Cluster(nodes.map(address), {
      keyPrefix,
      enableOfflineQueue: false,
      lazyConnect: true,
      maxRedirections: 16,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      redisOptions: { ...auth, commandTimeout: commandTimeoutMs, connectTimeout: commandTimeoutMs, maxRetriesPerRequest: 1 },
    });
  }
  if (mode === 'sentinel') {
    return new Redis({
      ...bounded,
      ...auth,
      sentinels: nodes.map(address),
      name: sentinelName,
      sentinelPassword: auth.password,
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      db: 0,
    });
  }
  return new Redis(first.href, bounded);
}

/** Connects and waits until Redis answers, so start-up fails fast on a wrong REDIS_URL. */
export async function connectRedis(redis: RedisClient): Promise<void> {
  await redis.connect();
  await redis.ping();
}

/** Whether the client can take commands now (every node connected, for a Cluster). */
export const redisIsReady = (redis: RedisClient): boolean => redis.status === 'ready';
