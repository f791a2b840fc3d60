import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The hash chain of the audit log (docs/events.md, "Integrity").
 *
 * hash(n) = hex(SHA-256("idp-audit-v1\n" + hash(n-1) + "\n" + canonicalJson(fields(n))))
 *
 * where hash(0) is GENESIS_HASH and fields(n) is the array below, in this order. The chain is keyless,
 * so anyone holding an export can check that rows follow each other unedited. Authenticity against
 * someone who edits a row and recomputes every later hash comes from checkpoints (prune markers and
 * periodic seals of the head), each signed with an HMAC key derived from SERVER_SECRET.
 */
export const GENESIS_HASH = '0'.repeat(64);
const ROW_DOMAIN = 'idp-audit-v1\n';
const CHECKPOINT_DOMAIN = 'idp-audit-checkpoint-v1\n';

/** The hashed fields of one row, as stored. `occurredAt` is the UTC time with microseconds. */
export interface ChainFields {
  id: string;
  occurredAt: string;
  type: string;
  outcome: string;
  actorType: string;
  actorId: string | null;
  accountId: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  detail: unknown;
}

/** A row as stored and exported: the id as a decimal string and the time as UTC text with microseconds. */
export interface ChainedRow {
  id: string;
  occurred_at: string;
  type: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  detail: unknown;
}

/** The fields of a stored row that its hash covers: one mapping for appending and for verifying. */
export function chainFields(row: ChainedRow): ChainFields {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    type: row.type,
    outcome: row.outcome,
    actorType: row.actor_type,
    actorId: row.actor_id,
    accountId: row.account_id,
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    detail: row.detail,
  };
}

export function rowHash(previousHash: string, row: ChainFields): string {
  const fields = [
    row.id, row.occurredAt, row.type, row.outcome, row.actorType, row.actorId, row.accountId,
    row.clientId, row.ip, row.userAgent, row.requestId, row.detail,
  ];
  return createHash('sha256').update(`${ROW_DOMAIN}${previousHash}\n${canonicalJson(fields)}`, 'utf8').digest('hex');
}

/**
 * JSON with object keys sorted by UTF-16 code units and no whitespace, so the same value always
 * serializes to the same bytes. Strings and numbers use JSON.stringify's own (ECMA-262) rules.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in canonical JSON');
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new TypeError(`${typeof value} is not a JSON value`);
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
}

/** A JavaScript Date (millisecond precision) as the database renders it: UTC with six fraction digits. */
export function timestampText(date: Date): string {
  const iso = date.toISOString();
  // Years 0–9999 give 'YYYY-MM-DDTHH:mm:ss.sssZ'; the database adds three more fraction digits.
  return iso.length === 24 ? `${iso.slice(0, 23)}000Z` : iso.replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface CheckpointFields {
  kind: 'prune' | 'seal';
  throughId: string;
  throughHash: string;
  eventsRemoved: string;
  createdAt: string;
}

/**
 * Signs and checks checkpoints with HMAC-SHA256 under a key derived from each SERVER_SECRET (HKDF,
 * as SecretBox derives its keys). Signing uses the newest secret; a rotated-out one still verifies.
 */
export class CheckpointSigner {
  readonly #keys: Buffer[];

  constructor(serverSecrets: readonly string[]) {
    if (serverSecrets.length === 0) throw new Error('CheckpointSigner needs at least one server secret');
    this.#keys = serverSecrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'idp-audit', 'event-checkpoints', 32)));
  }

  sign(checkpoint: CheckpointFields): string {
    return this.#mac(this.#keys[0], checkpoint);
  }

  verify(checkpoint: CheckpointFields, signature: string): boolean {
    const given = Buffer.from(signature, 'utf8');
    return this.#keys.some((key) => {
      const expected = Buffer.from(this.#mac(key, checkpoint), 'utf8');
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  #mac(key: Buffer, checkpoint: CheckpointFields): string {
    const fields = [checkpoint.kind, checkpoint.throughId, checkpoint.throughHash, checkpoint.eventsRemoved, checkpoint.createdAt];
    return createHmac('sha256', key).update(`${CHECKPOINT_DOMAIN}${canonicalJson(fields)}`, 'utf8').digest('base64url');
  }
}
