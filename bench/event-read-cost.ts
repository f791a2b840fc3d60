/**
 * What decrypting personal values costs when reading the audit log (docs/privacy.md, "Reading cost").
 *
 *   node --import tsx bench/event-read-cost.ts            (embedded PGlite, in a temporary folder)
 *   DATABASE_URL=postgres://... SERVER_SECRET=... node --import tsx bench/event-read-cost.ts
 *
 * Writes BENCH_EVENTS sign-in events spread over BENCH_ACCOUNTS accounts (address and user agent
 * encrypted under each account's key), then reads the whole log three ways, a few rounds each:
 * the rows as stored (no decryption, the floor), pages of the events API (500 per page, keys read once
 * per page, values decrypted), and the NDJSON export (pages of 1000). Prints events per second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventQueries } from '../src/audit/queries.js';
import { loadConfig } from '../src/config/load.js';
import { buildServices } from '../src/container.js';
import { openDatabase } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { systemClock } from '../src/shared/clock.js';
import { createLogger } from '../src/shared/logger.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-bench-'));
  const schema = process.env.DATABASE_URL ? `bench_read_${process.pid}` : undefined;
  const { config } = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(schema ? { DATABASE_SCHEMA: schema } : {}) });
  const logger = createLogger('silent');
  const database = await openDatabase(config, 'cli', logger);
  await migrateToLatest(database.db, { schema, singleConnection: database.kind !== 'postgres' });
  const services = buildServices({ config, db: database.db, clock: systemClock });
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const writes = [];
  for (let i = 0; i < EVENTS; i += 1) {
    writes.push(services.audit.record({
      type: 'login.succeeded', accountId: accounts[i % ACCOUNTS],
      origin: { ip: `198.51.100.${i % 250}`, userAgent: `Mozilla/5.0 bench ${i % 40}`, requestId: `r${i}` }, detail: { amr: ['pwd'] },
    }));
    if (writes.length >= 1000) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);

  const raw = createEventQueries(database.db);
  const modes: [string, () => Promise<number>][] = [
    ['rows as stored (no decryption)', async () => {
      let read = 0;
      let afterId: string | undefined;
      for (;;) {
        const rows = await raw.listEvents({}, { afterId, limit: 500, order: 'asc' });
        read += rows.length;
        if (rows.length < 500) return read;
        afterId = rows.at(-1)!.id;
      }
    }],
    ['events API pages (decrypted)', async () => {
      let read = 0;
      let cursor: string | undefined;
      do {
        const page = await services.events.list({}, { limit: 500, order: 'asc', cursor });
        read += page.items.length;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return read;
    }],
    ['NDJSON export (decrypted)', async () => {
      let read = 0;
      for await (const _event of services.events.export({})) read += 1;
      return read;
    }],
  ];
  const results = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [mode, read] of modes) {
      const started = performance.now();
      const count = await read();
      const perSecond = Math.round(count / ((performance.now() - started) / 1000));
      results.set(mode, [...(results.get(mode) ?? []), perSecond]);
    }
  }
  const storage = database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite';
  process.stdout.write(`reading ${EVENTS} events of ${ACCOUNTS} accounts, ${ROUNDS} rounds, ${storage}; medians:\n`);
  for (const [mode, values] of results) {
    const median = [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    process.stdout.write(`  ${mode.padEnd(32)} ${String(median).padStart(7)} events/s\n`);
  }
  await services.audit.close();
  if (schema) await database.db.raw('drop schema if exists ?? cascade', [schema]);
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
