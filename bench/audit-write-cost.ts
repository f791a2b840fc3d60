/**
 * What writing the audit log costs the token endpoint.
 *
 *   node --import tsx bench/audit-write-cost.ts            (embedded PGlite, in a temporary folder)
 *   DATABASE_URL=postgres://... [REDIS_URL=redis://...] SERVER_SECRET=... node --import tsx bench/audit-write-cost.ts
 *
 * Runs client-credentials token requests with autocannon against the real application, three ways:
 * the recorder as shipped (group commit: events of concurrent requests share one transaction), one
 * transaction per event (what the recorder did before), and no audit writes at all (the ceiling).
 * Every request in the first two modes still waits for its event to be committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import knexFactory from 'knex';
import { createEventQueries } from '../src/audit/queries.js';
import { createAuditRecorder, type AuditRecorder } from '../src/audit/recorder.js';
import { loadConfig } from '../src/config/load.js';
import { buildContainer } from '../src/container.js';
import { startHttpServer } from '../src/server.js';
import { createLogger } from '../src/shared/logger.js';
import { systemClock } from '../src/shared/clock.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WRITER_EVENTS = 3000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const API = 'https://api.bench.test';

interface Result {
  mode: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  events: number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-bench-'));
  const schema = process.env.DATABASE_URL ? `bench_${process.pid}` : undefined;
  const { config } = loadConfig({
    ...process.env,
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(schema ? { DATABASE_SCHEMA: schema } : {}),
    ...(process.env.REDIS_URL ? { REDIS_KEY_PREFIX: `bench:${process.pid}:` } : {}),
    TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: '100000000',
  });
  const container = await buildContainer(config, { logger: createLogger('silent') });
  const http = await startHttpServer(container, { port: 0, host: '127.0.0.1' });
  const { client, clientSecret } = await container.clients.createClient({ name: 'bench', type: 'machine', redirectUris: [], postLogoutRedirectUris: [] });
  const actor = { type: 'system' as const, id: 'bench' };
  const resource = await container.resources.createResource({ identifier: API, name: 'bench', permissions: [{ name: 'read' }] }, actor);
  const role = await container.roles.createRole({ name: 'bench' }, actor);
  await container.roles.addPermissions(role.id, resource.permissions.map((permission) => permission.id), actor);
  await container.roles.assign(role.id, { type: 'client', id: client.client_id }, actor);

  const shipped = container.audit.record;
  const unbatched = perEventTransactions(container.db);
  const modes: [string, AuditRecorder['record']][] = [
    ['group commit (shipped)', shipped],
    ['one transaction per event', unbatched],
    ['no audit writes', async () => undefined],
  ];
  const results: Result[] = [];
  const count = async () => Number((await container.db('events').count<{ n: string }[]>({ n: '*' }))[0].n);
  const run = async (mode: string, record: AuditRecorder['record'], seconds: number) => {
    // The provider holds this very object, so replacing its method switches every caller at once.
    (container.audit as { record: AuditRecorder['record'] }).record = record;
    const before = await count();
    const outcome = await autocannon({
      url: `http://127.0.0.1:${http.port}/token`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: seconds,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'read' }).toString(),
    });
    return { mode, requestsPerSecond: Math.round(outcome.requests.average), p50: outcome.latency.p50, p99: outcome.latency.p99, non2xx: outcome.non2xx, events: (await count()) - before };
  };
  await run('warm-up', shipped, 3);
  // Modes alternate round by round, so a busy neighbour on the machine slows them alike.
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [mode, record] of modes) results.push(await run(mode, record, DURATION));
  }
  (container.audit as { record: AuditRecorder['record'] }).record = shipped;
  const writer = await writerThroughput(container.db);

  const storage = container.databaseKind === 'postgres' ? 'PostgreSQL' : 'PGlite';
  process.stdout.write(`token endpoint, client_credentials, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s, ${storage}; medians:\n`);
  for (const [mode] of modes) {
    const mine = results.filter((result) => result.mode === mode);
    const median = (pick: (result: Result) => number) => mine.map(pick).sort((a, b) => a - b)[Math.floor(mine.length / 2)];
    process.stdout.write(
      `  ${mode.padEnd(28)} ${String(median((r) => r.requestsPerSecond)).padStart(6)} req/s  p50 ${median((r) => r.p50)} ms  p99 ${median((r) => r.p99)} ms  non-2xx ${mine.reduce((n, r) => n + r.non2xx, 0)}\n`,
    );
  }
  process.stdout.write(`audit writer alone, ${WRITER_EVENTS} events from ${CONNECTIONS} concurrent callers:\n`);
  for (const line of writer) process.stdout.write(`  ${line}\n`);
  await http.drain();
  await container.close();
  if (schema) {
    const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
    await db.raw('drop schema if exists ?? cascade', [schema]);
    await db.destroy();
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/** These events are about no account, so nothing in them is encrypted (docs/privacy.md). */
const noVault = { protect: async <T,>(rows: T[]) => rows };

/** Events per second through the recorder alone, with and without group commit. */
async function writerThroughput(db: Parameters<typeof createEventQueries>[0]): Promise<string[]> {
  const lines: string[] = [];
  for (const [mode, record] of [['group commit', createAuditRecorder({ queries: createEventQueries(db), clock: systemClock, vault: noVault }).record], ['one transaction per event', perEventTransactions(db)]] as const) {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < WRITER_EVENTS) {
          next += 1;
          await record({ type: 'token.issued', actor: { type: 'client', id: 'bench' }, clientId: 'bench', detail: { grantType: 'client_credentials' } });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    lines.push(`${mode.padEnd(28)} ${Math.round(WRITER_EVENTS / seconds)} events/s`);
  }
  return lines;
}

/** The recorder without group commit: each event its own transaction, as before batching. */
function perEventTransactions(db: Parameters<typeof createEventQueries>[0]): AuditRecorder['record'] {
  const queries = createEventQueries(db);
  const single = { appendEvents: queries.appendEvents } as typeof queries;
  return async (event) => {
    // A fresh recorder per event never has company in its queue: one event, one transaction.
    const recorder = createAuditRecorder({ queries: single, clock: systemClock, vault: noVault });
    await recorder.record(event);
  };
}

await main();
