import type { Knex } from 'knex';

/** Sign-ins and failures in one hour of the overview's chart. */
export interface HourOfSignIns {
  hour: Date;
  succeeded: number;
  failed: number;
}

/**
 * The few read-only totals of the console's overview that no other domain needs. Each answer is a
 * count or an aggregate over an index (events_type_time, the session index), never a table scan of
 * personal data. pg returns count(*) as a string and PGlite as a number, hence Number().
 */
export function createConsoleQueries(db: Knex) {
  const count = async (query: Knex.QueryBuilder) => Number(((await query.count<{ count: string | number }[]>({ count: '*' }).first()) as { count?: string | number } | undefined)?.count ?? 0);
  return {
    countClients: () => count(db('clients')),
    countLockedAccounts: () => count(db('accounts').whereNotNull('locked_at')),
    countActiveSessions: (now: Date) => count(db('browser_sessions').where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))),
    countFailingDeliveries: () => count(db('webhook_deliveries').where((q) => q.where('status', 'failed').orWhere((p) => p.where('status', 'pending').where('attempts', '>', 0)))),
    async oldestActiveSigningKey(): Promise<Date | undefined> {
      const row = await db('signing_keys').whereNull('retired_at').min<{ oldest: Date | string | null }>({ oldest: 'created_at' }).first();
      return row?.oldest ? new Date(row.oldest) : undefined;
    },
    /** login.succeeded and login.failed per hour since `since` (hours without any are left out). */
    async signInsByHour(since: Date): Promise<HourOfSignIns[]> {
      const rows = (await db('events')
        .whereIn('type', ['login.succeeded', 'login.failed'])
        .where('occurred_at', '>=', since)
        .select(db.raw("date_trunc('hour', occurred_at) as hour"), 'type')
        .count({ count: '*' })
        .groupByRaw("date_trunc('hour', occurred_at), type")) as unknown as { hour: Date | string; type: string; count: string | number }[];
      const byHour = new Map<number, HourOfSignIns>();
      for (const row of rows) {
        const hour = new Date(row.hour);
        const entry = byHour.get(hour.getTime()) ?? { hour, succeeded: 0, failed: 0 };
        if (row.type === 'login.succeeded') entry.succeeded += Number(row.count);
        else entry.failed += Number(row.count);
        byHour.set(hour.getTime(), entry);
      }
      return [...byHour.values()];
    },
  };
}

export type ConsoleQueries = ReturnType<typeof createConsoleQueries>;
