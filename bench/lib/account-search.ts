import type { Knex } from 'knex';
import { runLoad, type Measurement } from './load.js';
import type { ServerProcess } from './processes.js';
import type { Row } from './report.js';

/** How many accounts the account list and search are measured over (issue 16: 100,000). */
export const SEARCH_ACCOUNTS = 100_000;
const SEED_CHUNK = 20_000;

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dan', 'Eve', 'Finn', 'Grace', 'Hugo', 'Iris', 'Jane', 'Karl', 'Lena', 'Marc', 'Nora', 'Omar', 'Pia', 'Quinn', 'Rosa', 'Sam', 'Tess'];
const LAST = ['Smith', 'Jones', 'Garcia', 'Miller', 'Davis', 'Lopez', 'Wilson', 'Moore', 'Taylor', 'Thomas', 'Martin', 'Lee', 'Walker', 'Hall', 'Allen', 'Young', 'King', 'Wright', 'Scott', 'Green',
  'Baker', 'Adams', 'Nelson', 'Hill', 'Ramirez', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips', 'Evans', 'Turner', 'Torres', 'Parker', 'Collins', 'Edwards', 'Stewart', 'Flores', 'Morris', 'Nguyen',
  'Murphy', 'Rivera', 'Cook', 'Rogers', 'Morgan', 'Peterson', 'Cooper', 'Reed', 'Bailey', 'Bell'];

/**
 * Adds `count` accounts with INSERT … SELECT generate_series (a few statements), a second apart in
 * creation time, named from 20 first names × 50 last names (so a last name matches 2% of them), then
 * ANALYZE so the planner knows the table's size, as it would after autovacuum in production.
 */
export async function seedAccounts(db: Knex, count = SEARCH_ACCOUNTS): Promise<void> {
  const array = (names: string[]) => `array[${names.map((name) => `'${name}'`).join(',')}]`;
  // Statements of 20,000 rows, each well inside DATABASE_STATEMENT_TIMEOUT_MS on a busy machine.
  for (let from = 1; from <= count; from += SEED_CHUNK) {
    await db.raw(
      `insert into accounts (id, email, email_verified, name, created_at, updated_at)
       select gen_random_uuid(), 'user' || i || '@bench.example', true,
              (${array(FIRST)})[1 + i % ${FIRST.length}] || ' ' || (${array(LAST)})[1 + (i / ${FIRST.length}) % ${LAST.length}],
              now() - make_interval(secs => ?::int - i), now()
       from generate_series(?::int, ?::int) as i`,
      [count, from, Math.min(count, from + SEED_CHUNK - 1)],
    );
  }
  await db.raw('analyze accounts');
}

/**
 * The admin API calls behind the console's account list and search (the console page is this call
 * plus its template), one request at a time so the latency is the server's time plus a loopback hop;
 * the server's CPU time per request is reported beside it.
 */
export async function accountSearch(server: ServerProcess, token: string, options: { seconds: number; warmupSeconds: number; log(message: string): void }): Promise<Row[]> {
  const cases = [
    { id: 'account-list', title: 'account list, first page of 25', path: '/admin/api/v1/accounts?limit=25' },
    { id: 'account-search-email', title: 'account search by email prefix (user4242…)', path: '/admin/api/v1/accounts?limit=25&search=user4242' },
    { id: 'account-search-name', title: 'account search by name word (lopez: 2,000 matches)', path: '/admin/api/v1/accounts?limit=25&search=lopez' },
    { id: 'account-search-none', title: 'account search that matches nothing (zz)', path: '/admin/api/v1/accounts?limit=25&search=zz' },
  ];
  const rows: Row[] = [];
  for (const { id, title, path } of cases) {
    options.log(`▶ ${title}, ${SEARCH_ACCOUNTS.toLocaleString('en-US')} accounts`);
    const spec = { connections: 1, requests: [{ method: 'GET' as const, path, headers: { authorization: `Bearer ${token}` }, expect: [200] }] };
    await runLoad(server, spec, options.warmupSeconds);
    const measured: Measurement = await runLoad(server, spec, options.seconds);
    options.log(`  p50 ${measured.p50} ms, p99 ${measured.p99} ms, server CPU ${measured.cpuMsPerRequest.toFixed(2)} ms/request, errors ${measured.errors}`);
    rows.push({ id, title: `${title}, ${SEARCH_ACCOUNTS.toLocaleString('en-US')} accounts (admin API behind the console, one at a time)`, unit: 'req/s', ours: [measured], ratios: [] });
  }
  return rows;
}
