/**
 * Values in events often come from users (names, user agents, form input). They are stored as given,
 * with two exceptions PostgreSQL forces on us: NUL cannot be stored in text or jsonb, and neither can a
 * lone UTF-16 surrogate, so both become U+FFFD. Lengths are capped so one event stays small.
 * Escaping happens when events are shown (see `escapeForDisplay` and `toNdjsonLine`), never on write.
 */
const MAX_TEXT = 512;
const MAX_DETAIL_STRING = 1024;
const MAX_DETAIL_BYTES = 8 * 1024;
const MAX_DEPTH = 6;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanText(value: string | null | undefined, max = MAX_TEXT): string | null {
  if (value === undefined || value === null) return null;
  return truncate(String(value).replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD'), max);
}

/**
 * A plain-JSON copy of `detail` (what jsonb will hold and hand back), with strings cleaned and capped.
 * A detail larger than 8 KiB is replaced by a marker: events are records, not payload stores.
 */
export function cleanDetail(detail: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!detail) return {};
  const plain = JSON.parse(JSON.stringify(detail, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))) as unknown;
  const cleaned = cleanValue(plain, 0);
  const result = cleaned && typeof cleaned === 'object' && !Array.isArray(cleaned) ? (cleaned as Record<string, unknown>) : { value: cleaned };
  if (Buffer.byteLength(JSON.stringify(result), 'utf8') > MAX_DETAIL_BYTES) return { truncated: true };
  return result;
}

function cleanValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cleanText(value, MAX_DETAIL_STRING);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => cleanValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[cleanText(key, 128)!] = cleanValue(inner, depth + 1);
  return out;
}

function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  // Never cut a surrogate pair in half.
  const cut = value.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * Characters that end a line or disguise text on a terminal: C0 and C1 controls, DEL, the Unicode
 * line and paragraph separators, and the bidirectional overrides used in "Trojan Source" attacks.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A value for one line of human-readable output: unsafe characters become visible \uXXXX escapes. */
export function escapeForDisplay(value: string): string {
  return value.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One NDJSON line. JSON.stringify already escapes C0 controls; U+2028 and U+2029 are escaped too,
 * because some log readers treat them as line breaks.
 */
export function toNdjsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(/[\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`)}\n`;
}
