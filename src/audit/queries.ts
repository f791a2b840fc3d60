import type { Knex } from 'knex';
import { chainFields, GENESIS_HASH, rowHash, timestampText, type CheckpointFields } from './chain.js';

export interface EventRow {
  id: string;
  occurred_at: Date;
  type: string;
  outcome: 'success' | 'failure';
  actor_type: 'account' | 'client' | 'system' | 'anonymous' | 'directory';
  actor_id: string | null;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  detail: Record<string, unknown>;
  hash?: string | null;
}

export type NewEvent = Omit<EventRow, 'id' | 'hash'>;

/** An event as read back: the id as a decimal string and the time as UTC text with microseconds. */
export type StoredEvent = Omit<EventRow, 'occurred_at' | 'hash'> & { occurred_at: string; hash: string | null };

export interface EventFilter {
  /** Exact types, `category.*` prefixes, or `*`. */
  types?: string[];
  accountId?: string;
  clientId?: string;
  actorId?: string;
  outcome?: 'success' | 'failure';
  ip?: string;
  from?: Date;
  to?: Date;
}

export interface EventRange {
  afterId?: string;
  beforeId?: string;
  limit: number;
  order: 'asc' | 'desc';
}

export interface CheckpointRow {
  id: string;
  kind: 'prune' | 'seal';
  through_id: string;
  through_hash: string;
  events_removed: string;
  created_at: string;
  signature: string;
}

/**
 * Appenders on every instance and the CLI take this lock for the rest of their transaction, so one
 * writer at a time reads the head of the chain and appends to it. It is keyed by schema so that
 * separate schemas (tests, tenants) do not wait for each other.
 */
const CHAIN_LOCK = `select pg_advisory_xact_lock(hashtext('idp.audit-chain'), hashtext(current_schema()))`;
/** Calls of audit_append_events per batch before falling back to the locked transaction. */
const FAST_APPEND_ATTEMPTS = 3;
const UTC_TEXT = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const DATA_COLUMNS = ['type', 'outcome', 'actor_type', 'actor_id', 'account_id', 'client_id', 'ip', 'user_agent', 'request_id', 'detail', 'hash'];

export function createEventQueries(db: Knex) {
  const selectEvents = (source: Knex | Knex.Transaction = db) =>
    source('events').select(source.raw('id::text as id'), source.raw(`${UTC_TEXT('occurred_at')} as occurred_at`), ...DATA_COLUMNS);

  /** The newest chained position: the last row, or the last prune checkpoint when every row was pruned. */
  async function readHead(trx: Knex.Transaction): Promise<{ id: bigint; hash: string }> {
    const result = await trx.raw(
      `select id::text as id, hash from (
        (select id, hash from events order by id desc limit 1)
        union all
        (select through_id as id, through_hash as hash from event_checkpoints where kind = 'prune' order by through_id desc limit 1)
      ) head order by head.id desc limit 1`,
    );
    const row = (result.rows as { id: string; hash: string | null }[])[0];
    return row ? { id: BigInt(row.id), hash: row.hash ?? GENESIS_HASH } : { id: 0n, hash: GENESIS_HASH };
  }

  function applyFilter(query: Knex.QueryBuilder, filter: EventFilter): Knex.QueryBuilder {
    if (filter.types?.length && !filter.types.includes('*')) {
      const exact = filter.types.filter((type) => !type.endsWith('.*'));
      const prefixes = filter.types.filter((type) => type.endsWith('.*')).map((type) => type.slice(0, -1));
      query.where((inner) => {
        if (exact.length) inner.orWhereIn('type', exact);
        for (const prefix of prefixes) inner.orWhereRaw('starts_with(type, ?)', [prefix]);
      });
    }
    if (filter.accountId) query.where('account_id', filter.accountId);
    if (filter.clientId) query.where('client_id', filter.clientId);
    if (filter.actorId) query.where('actor_id', filter.actorId);
    if (filter.outcome) query.where('outcome', filter.outcome);
    // Encrypted addresses (events about an account) are candidates; the reader matches them decrypted.
    // Encrypted addresses (an account's `pd1.`, a day's `pn1.` under EVENT_NETWORK_RETENTION_DAYS) are matched after decryption.
    if (filter.ip) query.where((inner) => inner.where('ip', filter.ip!).orWhereRaw(`(account_id is not null and starts_with(ip, 'pd1.')) or starts_with(ip, 'pn1.')`));
    if (filter.from) query.where('occurred_at', '>=', filter.from);
    if (filter.to) query.where('occurred_at', '<', filter.to);
    return query;
  }

  /** The head of the chain as this process last wrote it; unknown until the first append. */
  let knownHead: { id: bigint; hash: string } | undefined;

  async function appendInTransaction(rows: NewEvent[]): Promise<{ ids: string[]; deliveries: number }> {
    return db.transaction(async (trx) => {
      await trx.raw(CHAIN_LOCK);
      const chained = chainRows(await readHead(trx), rows);
      const insert = trx('events').insert(chained.map((row) => ({ ...row, detail: JSON.stringify(row.detail) }))).returning(['id', 'type', 'occurred_at']).toSQL();
      // The same webhook matching as audit_append_events (migrations/20261127090000_…): change both.
      const result = await trx.raw(
        `with inserted as (${insert.sql})
        insert into webhook_deliveries (webhook_id, event_id, next_attempt_at, created_at)
        select w.id, i.id, i.occurred_at, i.occurred_at from inserted i join webhooks w on w.enabled and (
          i.type = any(w.event_types) or '*' = any(w.event_types) or split_part(i.type, '.', 1) || '.*' = any(w.event_types)
        ) returning id`,
        insert.bindings,
      );
      const last = chained[chained.length - 1];
      knownHead = { id: BigInt(last.id), hash: last.hash };
      return { ids: chained.map((row) => row.id), deliveries: (result.rows as unknown[]).length };
    });
  }

  return {
    /**
     * Appends events under the chain lock: ids continue from the head, each row's hash covers the
     * previous one, and a delivery is queued for every matching webhook (the outbox), so an event is
     * stored together with its deliveries or not at all.
     *
     * The rows are chained from the head this process wrote last and sent in one call to
     * audit_append_events, which writes them only if that is still the head. When another writer moved
     * it, the call writes nothing and the batch is chained again under the lock in a transaction.
     */
    async appendEvents(rows: NewEvent[]): Promise<{ ids: string[]; deliveries: number }> {
      if (rows.length === 0) return { ids: [], deliveries: 0 };
      // With several writers the remembered head is often stale; the answer carries the current one.
      for (let attempt = 0; knownHead && attempt < FAST_APPEND_ATTEMPTS; attempt += 1) {
        const chained = chainRows(knownHead, rows);
        const result = await db.raw('select head_id, head_hash, deliveries from audit_append_events(?::bigint, ?, ?::jsonb)', [
          knownHead.id.toString(), knownHead.hash, JSON.stringify(chained),
        ]);
        const answer = (result.rows as { head_id: string; head_hash: string; deliveries: number }[])[0];
        knownHead = { id: BigInt(answer.head_id), hash: answer.head_hash };
        if (answer.deliveries >= 0) return { ids: chained.map((row) => row.id), deliveries: answer.deliveries };
      }
      return appendInTransaction(rows);
    },

    async listEvents(filter: EventFilter, range: EventRange): Promise<StoredEvent[]> {
      const query = applyFilter(selectEvents(), filter);
      if (range.afterId) query.where('id', '>', range.afterId);
      if (range.beforeId) query.where('id', '<', range.beforeId);
      return query.orderBy('events.id', range.order).limit(range.limit);
    },

    /** Rows in chain order, for verification. */
    readChain: (afterId: string, limit: number): Promise<StoredEvent[]> =>
      selectEvents().where('id', '>', afterId).orderBy('events.id', 'asc').limit(limit),

    async findEvent(id: string): Promise<StoredEvent | undefined> {
      return selectEvents().where('id', id).first();
    },

    async headOfChain(): Promise<{ id: string; hash: string } | undefined> {
      const row = await db('events').select(db.raw('id::text as id'), 'hash').orderBy('events.id', 'desc').first();
      return row ? { id: row.id, hash: row.hash ?? GENESIS_HASH } : undefined;
    },

    listCheckpoints: (): Promise<CheckpointRow[]> =>
      db('event_checkpoints')
        .select(
          db.raw('id::text as id'), 'kind', db.raw('through_id::text as through_id'), 'through_hash',
          db.raw('events_removed::text as events_removed'), db.raw(`${UTC_TEXT('created_at')} as created_at`), 'signature',
        )
        .orderBy('event_checkpoints.id', 'asc'),

    /** Records a seal of the current head, unless the newest seal already covers it. */
    async sealHead(createdAt: Date, sign: (fields: CheckpointFields) => string): Promise<CheckpointFields | undefined> {
      return db.transaction(async (trx) => {
        await trx.raw(CHAIN_LOCK);
        const head = await trx('events').select(trx.raw('id::text as id'), 'hash').whereNotNull('hash').orderBy('events.id', 'desc').first();
        if (!head) return undefined;
        const sealed = await trx('event_checkpoints').where({ kind: 'seal', through_id: head.id }).first();
        if (sealed) return undefined;
        const fields: CheckpointFields = { kind: 'seal', throughId: head.id, throughHash: head.hash, eventsRemoved: '0', createdAt: timestampText(createdAt) };
        await trx('event_checkpoints').insert(checkpointRow(fields, createdAt, sign(fields)));
        return fields;
      });
    },

    /**
     * Deletes the events recorded before `cutoff`, from the oldest up to the first one that is not,
     * after writing a signed prune checkpoint that carries the hash the remaining chain continues
     * from. The append-only trigger lets a delete through only for rows such a checkpoint covers.
     */
    async pruneBefore(cutoff: Date, createdAt: Date, sign: (fields: CheckpointFields) => string): Promise<CheckpointFields | undefined> {
      return db.transaction(async (trx) => {
        await trx.raw(CHAIN_LOCK);
        const newer = await trx('events').where('occurred_at', '>=', cutoff).min<{ id: string | number | null }>({ id: 'id' }).first();
        const last = await trx('events').max<{ id: string | number | null }>({ id: 'id' }).first();
        if (last?.id === null || last?.id === undefined) return undefined;
        const through = newer?.id !== null && newer?.id !== undefined ? BigInt(newer.id) - 1n : BigInt(last.id);
        const row = await trx('events').select('hash').where('id', '<=', through.toString()).orderBy('id', 'desc').first();
        if (!row) return undefined;
        const removed = await trx('events').where('id', '<=', through.toString()).count<{ count: string | number }[]>({ count: '*' });
        const fields: CheckpointFields = {
          kind: 'prune',
          throughId: through.toString(),
          throughHash: row.hash ?? GENESIS_HASH,
          eventsRemoved: String(removed[0].count),
          createdAt: timestampText(createdAt),
        };
        await trx('event_checkpoints').insert(checkpointRow(fields, createdAt, sign(fields)));
        await trx('events').where('id', '<=', fields.throughId).del();
        await trx('webhook_deliveries').where('event_id', '<=', fields.throughId).whereNot('status', 'pending').del();
        // Seals of removed events have nothing left to vouch for.
        await trx('event_checkpoints').where({ kind: 'seal' }).where('through_id', '<=', fields.throughId).del();
        return fields;
      });
    },
  };
}

/** Ids and hashes for rows that follow `head`, with the time as the database will store it. */
function chainRows(head: { id: bigint; hash: string }, rows: NewEvent[]) {
  let previous = head.hash;
  return rows.map((row, index) => {
    const stored = { ...row, id: (head.id + BigInt(index + 1)).toString(), occurred_at: timestampText(row.occurred_at) };
    previous = rowHash(previous, chainFields(stored));
    return { ...stored, hash: previous };
  });
}

function checkpointRow(fields: CheckpointFields, createdAt: Date, signature: string) {
  return {
    kind: fields.kind,
    through_id: fields.throughId,
    through_hash: fields.throughHash,
    events_removed: fields.eventsRemoved,
    created_at: createdAt,
    signature,
  };
}

export type EventQueries = ReturnType<typeof createEventQueries>;
