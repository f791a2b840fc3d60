import autocannon, { type Request } from 'autocannon';
import type { ServerProcess } from './processes.js';

export interface Measurement {
  /** Completed requests per second (or flows per second where a scenario says so). */
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  rssMiB: number;
  /** Server CPU time per request: unlike the rate, hardly touched by other load on the machine. */
  cpuMsPerRequest: number;
}

export interface LoadSpec {
  /** Requests sent in turn on each connection; `expect` says which statuses are correct. */
  requests: (Request & { expect: number[] })[];
  connections?: number;
  /** Requests per completed unit (a flow of two requests counts once). */
  requestsPerUnit?: number;
  overallRate?: number;
}

/**
 * Runs autocannon (keep-alive, one request in flight per connection) against a server process and
 * measures what the server used meanwhile. Any unexpected status, socket error or timeout counts as
 * an error.
 */
export async function runLoad(server: ServerProcess, spec: LoadSpec, durationSeconds: number): Promise<Measurement> {
  let unexpected = 0;
  const requests: Request[] = spec.requests.map(({ expect, onResponse, ...request }) => ({
    ...request,
    onResponse(status, body, context, headers) {
      if (!expect.includes(status)) {
        unexpected += 1;
        if (unexpected <= 3) process.stderr.write(`  ${server.name}: unexpected ${status} for ${request.method ?? 'GET'} ${request.path ?? ''}: ${body.slice(0, 200)}\n`);
      }
      onResponse?.(status, body, context, headers);
    },
  }));
  const cpuBefore = server.cpuMs();
  const result = await autocannon({
    url: server.origin,
    connections: spec.connections ?? 10,
    pipelining: 1,
    duration: durationSeconds,
    timeout: 10,
    requests,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
  });
  const cpuUsed = server.cpuMs() - cpuBefore;
  const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    rate: completed / result.duration / (spec.requestsPerUnit ?? 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: unexpected + result.errors + result.timeouts,
    requests: completed,
    rssMiB: server.rssMiB(),
    cpuMsPerRequest: completed ? cpuUsed / completed : Number.NaN,
  };
}

export const median = (values: number[]): number => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
