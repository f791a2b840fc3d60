import type { Knex } from 'knex';
import type { Clock } from '../shared/clock.js';
import { SecretBox } from '../shared/secret-box.js';
import { createDataKeyQueries } from './data-key-queries.js';
import { newDataKey } from './field-cipher.js';
import { createNetworkFieldKeys } from './network-fields.js';
import { protectRow, revealRow } from './personal-fields.js';

interface PersonalRow {
  type: string;
  actor_type: string;
  account_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

/**
 * The nil UUID names no account. Its key row stands in for one, so that a path that must not reveal
 * whether an address has an account (the password-reset request) does the same key work for an
 * address without one as for an account's first event.
 */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/** How long a writer reuses an account's key before reading it again (see `protect`). */
const WRITE_CACHE_MS = 60_000;
const WRITE_CACHE_MAX = 10_000;

/**
 * Crypto-shredding of personal data in audit events (docs/privacy.md, "Erasure"). Each account has a
 * random data key, sealed under SERVER_SECRET (newest first, older ones still open, as SecretBox does).
 * Events about an account store its personal values encrypted under that key; erasing the account
 * destroys the key, and the values then read as erased while the events and their hashes stay.
 */
export function createPersonalDataVault(deps: { db: Knex; serverSecrets: readonly string[]; clock: Clock; networkRetentionDays?: number }) {
  const queries = createDataKeyQueries(deps.db);
  // Addresses and user agents are wrapped under their day's key first (retention), inside the account's layer.
  const network = createNetworkFieldKeys({ ...deps, retentionDays: deps.networkRetentionDays });
  const box = new SecretBox(deps.serverSecrets, 'account-data-key');
  /**
   * Keys for writing only, per process, for a minute. A key destroyed on another instance may still
   * encrypt an event here for that minute: such a value is unreadable anyway, since only the database
   * copy of a key is used for reading. Reading never uses this cache, so erasure is effective at once.
   */
  const writeCache = new Map<string, { key: Buffer | null; until: number }>();

  const open = (sealed: string | null): Buffer | null => (sealed === null ? null : Buffer.from(box.open(sealed), 'base64url'));

  async function keysForWriting(accountIds: string[]): Promise<Map<string, Buffer | null>> {
    const now = deps.clock.now().getTime();
    const keys = new Map<string, Buffer | null>();
    const missing: string[] = [];
    for (const id of accountIds) {
      const cached = writeCache.get(id);
      if (cached && cached.until > now) keys.set(id, cached.key);
      else missing.push(id);
    }
    if (missing.length) {
      let rows = await queries.findKeys(missing);
      const absent = missing.filter((id) => !rows.some((row) => row.account_id === id));
      if (absent.length) {
        await queries.insertMissingKeys(absent.map((id) => ({ account_id: id, sealed_key: box.seal(newDataKey().toString('base64url')) })), deps.clock.now());
        // Read back: when two writers create a key at once, both must use the one that was stored.
        rows = [...rows.filter((row) => !absent.includes(row.account_id)), ...(await queries.findKeys(absent))];
      }
      if (writeCache.size + rows.length > WRITE_CACHE_MAX) writeCache.clear();
      for (const row of rows) {
        const key = open(row.sealed_key);
        keys.set(row.account_id, key);
        writeCache.set(row.account_id, { key, until: now + WRITE_CACHE_MS });
      }
    }
    return keys;
  }

  return {
    /** Encrypts the personal values of events about an account (one key lookup per batch). */
    async protect<T extends PersonalRow>(input: T[]): Promise<T[]> {
      const rows = await network.wrap(input);
      const ids = [...new Set(rows.map((row) => row.account_id).filter((id): id is string => id !== null))];
      if (ids.length === 0) return rows;
      const keys = await keysForWriting(ids);
      return rows.map((row) => (row.account_id === null ? row : protectRow(row, keys.get(row.account_id) ?? null)));
    },

    /** The key work an account's event costs, for an event about no account (see NO_ACCOUNT). */
    async standInForNoAccount(): Promise<void> {
      await keysForWriting([NO_ACCOUNT]);
    },

    /** Decrypts a page of events with one query for the keys of all its accounts. */
    async reveal<T extends PersonalRow>(rows: T[]): Promise<T[]> {
      const ids = [...new Set(rows.map((row) => row.account_id).filter((id): id is string => id !== null))];
      if (ids.length === 0) return network.unwrap(rows);
      const keys = new Map<string, Buffer | null>((await queries.findKeys(ids)).map((row) => [row.account_id, open(row.sealed_key)]));
      return network.unwrap(rows.map((row) => (row.account_id === null ? row : revealRow(row, keys.get(row.account_id)))));
    },

    /** Retention: destroys the network-field keys of days past EVENT_NETWORK_RETENTION_DAYS (network-fields.ts). */
    expireNetworkFields: () => network.expire(),

    /** Destroys an account's key inside `trx` (the deletion's transaction); events keep their ciphertext. */
    async eraseKey(trx: Knex | Knex.Transaction, accountId: string): Promise<void> {
      await queries.eraseKey(trx, accountId, deps.clock.now());
      // Not a cached tombstone: the transaction may still roll back. Until it commits, a write here
      // reads the old key again, and what it encrypts becomes unreadable once the deletion commits.
      writeCache.delete(accountId);
    },
  };
}

export type PersonalDataVault = ReturnType<typeof createPersonalDataVault>;
