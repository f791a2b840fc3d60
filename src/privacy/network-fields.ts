import type { Knex } from 'knex';
import type { Clock } from '../shared/clock.js';
import { SecretBox } from '../shared/secret-box.js';
import { decryptValue, encryptValue, newDataKey } from './field-cipher.js';
import { createNetworkKeyQueries } from './network-key-queries.js';

/** What an event's address or user agent reads as once its day's key is destroyed by retention. */
export const EXPIRED = '[expired]';
/** `pn1.<YYYY-MM-DD>.<pd1 ciphertext under that day's key>` */
const PREFIX = 'pn1.';
const WRITE_CACHE_MS = 60_000;
const DAY_MS = 86_400_000;

interface NetworkCarrier {
  ip: string | null;
  user_agent: string | null;
}

const periodOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Retention of IP addresses and user agents in audit events (EVENT_NETWORK_RETENTION_DAYS). An event
 * cannot be edited once chained, so each of these two fields is encrypted, before the chain hashes
 * it, under a random key of its UTC day (sealed under SERVER_SECRET). `expire` destroys the keys of
 * the days older than the retention: their fields then read as `[expired]`, the rows and hashes stay,
 * and `idp events verify` still passes. This layer sits inside the per-account layer (vault.ts), so
 * erasing an account still erases its addresses at once. Unset: nothing is wrapped.
 */
export function createNetworkFieldKeys(deps: { db: Knex; serverSecrets: readonly string[]; clock: Clock; retentionDays?: number }) {
  const queries = createNetworkKeyQueries(deps.db);
  const box = new SecretBox(deps.serverSecrets, 'event-network-key');
  const aad = (period: string) => `network:${period}`;
  let current: { period: string; key: Buffer; until: number } | undefined;

  async function todaysKey(): Promise<{ period: string; key: Buffer | null }> {
    const now = deps.clock.now();
    const period = periodOf(now);
    if (current && current.period === period && current.until > now.getTime()) return current;
    let [row] = await queries.findKeys([period]);
    if (!row) {
      await queries.insertMissingKey(period, box.seal(newDataKey().toString('base64url')), now);
      [row] = await queries.findKeys([period]);
    }
    // A destroyed key for today (a retention of 0 days is refused by the config): store as expired.
    if (!row.sealed_key) return { period, key: null };
    current = { period, key: Buffer.from(box.open(row.sealed_key), 'base64url'), until: now.getTime() + WRITE_CACHE_MS };
    return current;
  }

  const isWrapped = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

  return {
    enabled: deps.retentionDays !== undefined,

    /** Encrypts the address and user agent of new events under today's key (when retention is on). */
    async wrap<T extends NetworkCarrier>(rows: T[]): Promise<T[]> {
      if (deps.retentionDays === undefined || !rows.some((row) => row.ip !== null || row.user_agent !== null)) return rows;
      const { period, key } = await todaysKey();
      const seal = (value: string | null) => (value === null ? null : key ? `${PREFIX}${period}.${encryptValue(key, aad(period), value)}` : EXPIRED);
      return rows.map((row) => ({ ...row, ip: seal(row.ip), user_agent: seal(row.user_agent) }));
    },

    /** Opens the network fields of a page of events with one query for all their days' keys. */
    async unwrap<T extends NetworkCarrier>(rows: T[]): Promise<T[]> {
      const periods = new Set<string>();
      for (const row of rows) for (const value of [row.ip, row.user_agent]) if (isWrapped(value)) periods.add(value.slice(PREFIX.length, PREFIX.length + 10));
      if (periods.size === 0) return rows;
      const keys = new Map((await queries.findKeys([...periods])).map((row) => [row.period, row.sealed_key ? Buffer.from(box.open(row.sealed_key), 'base64url') : null]));
      const open = (value: string | null): string | null => {
        if (!isWrapped(value)) return value;
        const period = value.slice(PREFIX.length, PREFIX.length + 10);
        const key = keys.get(period);
        if (!key) return EXPIRED;
        const opened = decryptValue(key, aad(period), value.slice(PREFIX.length + 11));
        return typeof opened === 'string' ? opened : EXPIRED;
      };
      return rows.map((row) => ({ ...row, ip: open(row.ip), user_agent: open(row.user_agent) }));
    },

    /** The retention job: destroys the keys of days past the retention; returns the days expired. */
    async expire(): Promise<string[]> {
      if (deps.retentionDays === undefined) return [];
      const now = deps.clock.now();
      // A day's key goes once the whole day is older than the retention.
      return queries.eraseKeysBefore(periodOf(new Date(now.getTime() - deps.retentionDays * DAY_MS)), now);
    },
  };
}

export type NetworkFieldKeys = ReturnType<typeof createNetworkFieldKeys>;
