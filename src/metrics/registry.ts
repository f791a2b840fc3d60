import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one instance, in a registry of its own (two instances in one test
 * process must not share counters). Labels are bounded: routes are patterns, never raw paths;
 * client ids are registered clients; outcomes and grant types are fixed lists.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'idp_' });
  const registers = [registry];
  let eventQueueDepth: () => number = () => 0;

  return {
    registry,
    httpRequests: new Counter({ name: 'idp_http_requests_total', help: 'HTTP requests by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers }),
    httpDuration: new Histogram({
      name: 'idp_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and method',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rateLimited: new Counter({ name: 'idp_rate_limit_hits_total', help: 'Requests refused with 429 by a rate limit, by route', labelNames: ['route'], registers }),
    tokensIssued: new Counter({ name: 'idp_tokens_issued_total', help: 'Token responses by grant type and client', labelNames: ['grant_type', 'client_id'], registers }),
    logins: new Counter({ name: 'idp_logins_total', help: 'Password logins by outcome and failure reason', labelNames: ['outcome', 'reason'], registers }),
    mfa: new Counter({ name: 'idp_mfa_total', help: 'Second-factor events by outcome', labelNames: ['outcome'], registers }),
    storageErrors: new Counter({ name: 'idp_storage_errors_total', help: 'Store outages seen (connection refused, timeouts)', labelNames: ['store'], registers }),
    /** Lets an event queue (if one is added) report its depth: `metrics.setEventQueueDepth(() => queue.length)`. */
    setEventQueueDepth(read: () => number) {
      eventQueueDepth = read;
    },
    /** Collects pool gauges at scrape time from the given readers. */
    watchPools(read: { database?: () => { used: number; free: number; pending: number } | undefined; redisReady?: () => boolean }) {
      new Gauge({
        name: 'idp_db_pool_connections',
        help: 'Database pool connections by state (used, free, pending acquires)',
        labelNames: ['state'],
        registers,
        collect() {
          const pool = read.database?.();
          if (!pool) return;
          this.set({ state: 'used' }, pool.used);
          this.set({ state: 'free' }, pool.free);
          this.set({ state: 'pending' }, pool.pending);
        },
      });
      new Gauge({
        name: 'idp_redis_ready',
        help: '1 when the Redis connection is ready, 0 otherwise (absent in embedded mode)',
        registers,
        collect() {
          if (read.redisReady) this.set(read.redisReady() ? 1 : 0);
        },
      });
    },
    eventQueueDepth: new Gauge({
      name: 'idp_event_queue_depth',
      help: 'Audit events waiting to be written (0 while events are written in the request)',
      registers,
      collect() {
        this.set(eventQueueDepth());
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
