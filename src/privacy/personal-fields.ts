import { MASKED } from '../audit/changes.js';
import { decryptValue, encryptValue, isCiphertext } from './field-cipher.js';

/** What a personal field of an event reads as once its account's key is destroyed. */
export const ERASED = '[erased]';

/**
 * Top-level `detail` keys that hold personal data in some event type (an address, a name, attribute
 * values), and in federation events the person's identifier at the upstream provider. Every
 * `changes.*.before/after` value and the name of an account target are personal too (the admin API
 * names an account target by its address).
 */
const PERSONAL_DETAIL_KEYS = ['email', 'name', 'attributes', 'values'];
const FEDERATION_DETAIL_KEYS = [...PERSONAL_DETAIL_KEYS, 'subject', 'subjects'];

/** The personal parts of an event, wherever it is stored: two columns and some places in `detail`. */
interface PersonalCarrier {
  type: string;
  actor_type: string;
  account_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

type Transform = (value: unknown) => unknown;

/** Applies `transform` to every personal value of an event's detail; returns a new detail. */
function mapPersonalDetail(type: string, detail: Record<string, unknown>, transform: Transform): Record<string, unknown> {
  const out: Record<string, unknown> = { ...detail };
  for (const key of type.startsWith('federation.') ? FEDERATION_DETAIL_KEYS : PERSONAL_DETAIL_KEYS) {
    if (out[key] !== undefined && out[key] !== null) out[key] = transform(out[key]);
  }
  const target = out.target;
  if (isObject(target) && target.type === 'account' && target.name !== undefined && target.name !== null) {
    out.target = { ...target, name: transform(target.name) };
  }
  const changes = out.changes;
  if (isObject(changes)) {
    const mapped: Record<string, unknown> = {};
    for (const [field, change] of Object.entries(changes)) {
      mapped[field] = isObject(change)
        ? { ...change, ...(change.before != null ? { before: transform(change.before) } : {}), ...(change.after != null ? { after: transform(change.after) } : {}) }
        : change;
    }
    out.changes = mapped;
  }
  return out;
}

/**
 * The request's address and user agent are the person's when they acted themselves (or someone
 * anonymous tried their account); when an operator or a client acted on the account, they are the
 * operator's, part of the audit trail of that operator, and stay readable after the account is gone.
 */
const PERSON_ACTORS = new Set(['account', 'anonymous']);

function mapPersonal<T extends PersonalCarrier>(row: T, transform: Transform): T {
  const origin = PERSON_ACTORS.has(row.actor_type);
  return {
    ...row,
    ip: row.ip === null || !origin ? row.ip : (transform(row.ip) as string),
    user_agent: row.user_agent === null || !origin ? row.user_agent : (transform(row.user_agent) as string),
    detail: mapPersonalDetail(row.type, row.detail, transform),
  };
}

/**
 * An event about an account, ready to be chained: its personal values encrypted under the account's
 * key, or replaced by ERASED when the account was already erased (`key` null). The chain's hash is
 * computed over what this returns, so it covers the ciphertext and verifies with or without the key.
 */
export function protectRow<T extends PersonalCarrier>(row: T, key: Buffer | null): T {
  const accountId = row.account_id;
  if (accountId === null) return row;
  // A masked secret is a constant that says only "it changed": nothing personal to encrypt.
  return mapPersonal(row, (value) => (value === MASKED ? value : key ? encryptValue(key, accountId, value) : ERASED));
}

/**
 * An event as read: ciphertexts opened with the account's key, or ERASED when the key is gone.
 * `key` undefined means the account never had a key: then values are plaintext from before
 * this feature, and an odd ciphertext among them reads as ERASED.
 */
export function revealRow<T extends PersonalCarrier>(row: T, key: Buffer | null | undefined): T {
  const accountId = row.account_id;
  if (accountId === null) return row;
  return mapPersonal(row, (value) => {
    if (!isCiphertext(value)) return value;
    if (!key) return ERASED;
    const opened = decryptValue(key, accountId, value);
    return opened === undefined ? ERASED : opened;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
