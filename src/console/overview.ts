import { readFileSync } from 'node:fs';
import type { Clock } from '../shared/clock.js';
import type { ConsoleQueries, HourOfSignIns } from './queries.js';

const HOURS = 24;
/** Bars are drawn with classes (h0…h10), never inline styles: the CSP allows no style attribute. */
const STEPS = 10;

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface OverviewDeps {
  queries: ConsoleQueries;
  countAccounts(): Promise<number>;
  clock: Clock;
  storage: { database: 'postgres' | 'pglite'; shortLived: 'redis' | 'sql' };
}

export interface ChartBar {
  label: string;
  succeeded: number;
  failed: number;
  /** Height classes, 0…STEPS, relative to the busiest hour. */
  succeededStep: number;
  failedStep: number;
}

/** Builds the 24 hourly buckets, oldest first, each labelled with its UTC hour. */
export function hourlyBars(rows: HourOfSignIns[], now: Date): ChartBar[] {
  const lastHour = Math.floor(now.getTime() / 3600_000) * 3600_000;
  const byHour = new Map(rows.map((row) => [row.hour.getTime(), row]));
  const hours = Array.from({ length: HOURS }, (_, index) => lastHour - (HOURS - 1 - index) * 3600_000);
  // Only the hours drawn count: the query's first bucket can start before the window.
  const busiest = Math.max(1, ...hours.map((hour) => Math.max(byHour.get(hour)?.succeeded ?? 0, byHour.get(hour)?.failed ?? 0)));
  return hours.map((hour) => {
    const row = byHour.get(hour);
    const succeeded = row?.succeeded ?? 0;
    const failed = row?.failed ?? 0;
    const step = (value: number) => (value === 0 ? 0 : Math.max(1, Math.round((value / busiest) * STEPS)));
    return { label: `${String(new Date(hour).getUTCHours()).padStart(2, '0')}:00`, succeeded, failed, succeededStep: step(succeeded), failedStep: step(failed) };
  });
}

/** What the overview page shows: counts, the last day's sign-ins, what needs attention, how it runs. */
export async function loadOverview(deps: OverviewDeps) {
  const now = deps.clock.now();
  const since = new Date(now.getTime() - HOURS * 3600_000);
  const [accounts, clients, sessions, locked, failingDeliveries, oldestKey, hours] = await Promise.all([
    deps.countAccounts(),
    deps.queries.countClients(),
    deps.queries.countActiveSessions(now),
    deps.queries.countLockedAccounts(),
    deps.queries.countFailingDeliveries(),
    deps.queries.oldestActiveSigningKey(),
    deps.queries.signInsByHour(since),
  ]);
  const bars = hourlyBars(hours, now);
  return {
    counts: { accounts, clients, sessions },
    signIns: { bars, succeeded: bars.reduce((sum, bar) => sum + bar.succeeded, 0), failed: bars.reduce((sum, bar) => sum + bar.failed, 0) },
    attention: { locked, failingDeliveries },
    signingKeyAgeDays: oldestKey ? Math.floor((now.getTime() - oldestKey.getTime()) / 86_400_000) : undefined,
    storage: deps.storage,
    version: VERSION,
  };
}

export type Overview = Awaited<ReturnType<typeof loadOverview>>;
