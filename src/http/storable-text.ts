import type { IncomingMessage } from 'node:http';
import { parse as parseForm } from 'node:querystring';
import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';
import { AppError } from '../errors/app-error.js';

/**
 * Text PostgreSQL cannot store must never reach it: a `text` value may not hold U+0000, and `jsonb`
 * refuses `\u0000` and unpaired UTF-16 surrogates. A lone surrogate cannot travel in UTF-8 (decoders
 * turn it into U+FFFD), but JSON's `\uD800` escape carries one. Such input is refused at the edge
 * as a 400 naming the field, instead of failing in the database as a 500 (security baseline: bad input
 * gets a 4xx, never a 500).
 */
const UNSTORABLE = /[\0\p{Cs}]/u; // U+0000, or a surrogate code unit not part of a pair
const isStorable = (text: string) => !UNSTORABLE.test(text);

/**
 * Whether parsing `text` as a form or query string, or as JSON, could yield unstorable text. Only
 * through one of these: the character itself, its escape (`%00` in a form or query, `\u0000` in JSON),
 * or a JSON escape of a surrogate (`\uD800` to `\uDFFF`). Percent-decoding never makes a surrogate
 * (querystring turns bytes that are not UTF-8 into U+FFFD). When none is there, the text is storable
 * whatever it parses to, and the hot path skips the parse; otherwise the exact check names the field.
 */
const MAY_HOLD_UNSTORABLE = /[\0\p{Cs}]|%00|\\u(?:0000|d[89a-f])/iu;
export const mayHoldUnstorable = (text: string) => MAY_HOLD_UNSTORABLE.test(text);

/** The first field (dot path) of `value` that holds unstorable text, in a key or a string; undefined when all is well. */
export function unstorableField(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return isStorable(value) ? undefined : path.join('.') || '(value)';
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (!isStorable(key)) return [...path, key.replaceAll('\0', '\\0')].join('.');
    const found = unstorableField(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

export const unstorableMessage = (field: string) => `${field}: must not contain NUL characters or unpaired surrogates`;

/** The refusal our own routes throw: a problem+json 400 naming the field, or the error page on the hosted pages. */
export const unstorableText = (field: string) =>
  new AppError('VALIDATION_FAILED', 400, unstorableMessage(field), { details: { field } });

/** Throws unstorableText for the first field of a parsed body (JSON or form) that holds unstorable text. */
export function assertStorable(value: unknown): void {
  const field = unstorableField(value);
  if (field !== undefined) throw unstorableText(field);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes are the routers' business (they answer 404), not text to store
  }
}

/** The index (in `path.split('/')`) of the first path segment that decodes to unstorable text. */
export function unstorableSegment(path: string): number | undefined {
  const index = path.split('/').findIndex((segment) => segment.includes('%') && !isStorable(decodeSegment(segment)));
  return index === -1 ? undefined : index;
}

/** client_id and client_secret of HTTP Basic client authentication, decoded as oidc-provider decodes them (RFC 6749 §2.3.1: form-encoded, then base64). */
function basicCredentials(header: string | undefined): Record<string, string> | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const formDecode = (text: string) => {
    try {
      return decodeURIComponent(text.replaceAll('+', ' '));
    } catch {
      return text;
    }
  };
  return colon === -1 ? { client_id: formDecode(decoded) } : { client_id: formDecode(decoded.slice(0, colon)), client_secret: formDecode(decoded.slice(colon + 1)) };
}

/** The first part of the request line or headers that holds unstorable text: a path segment, a query parameter, Basic credentials. */
export function unstorableInRequestLine(ctx: Context, nameSegment: (ctx: Context, index: number) => string | undefined): string | undefined {
  const segment = unstorableSegment(ctx.path);
  if (segment !== undefined) return nameSegment(ctx, segment) ?? 'path';
  if (ctx.querystring && mayHoldUnstorable(ctx.querystring)) {
    const field = unstorableField(ctx.query);
    if (field !== undefined) return field;
  }
  return unstorableField(basicCredentials(ctx.get('authorization')) ?? null);
}

/** Answers a refusal in the format of the API or protocol the request is for; `field` names the offending part. */
export interface OwnRefusal {
  matches: (ctx: Context) => boolean;
  refuse: (ctx: Context, field: string) => void | Promise<void>;
}

/**
 * The one gate, early in the chain, for every route of every router and for oidc-provider: the path,
 * the query and the Basic credentials are checked here; request bodies where they are parsed (the
 * JSON and form parsers of src/http, the SCIM body parser, and protocolRequest below for
 * oidc-provider). Requests an `OwnRefusal` matches are answered in that format (oidc-provider's
 * invalid_request, SCIM's error body); our other APIs and pages through the error handler.
 */
export function refuseUnstorableText(deps: {
  refusals: OwnRefusal[];
  /** The route parameter a path segment fills (`clientId`), so the refusal names it. */
  nameSegment: (ctx: Context, index: number) => string | undefined;
}) {
  return async (ctx: Context, next: Next) => {
    const field = unstorableInRequestLine(ctx, deps.nameSegment);
    if (field === undefined) return next();
    const own = deps.refusals.find((refusal) => refusal.matches(ctx));
    if (own) return own.refuse(ctx, field);
    throw unstorableText(field);
  };
}

/** oidc-provider's own body size limit (lib/shared/selective_body.js). */
const PROTOCOL_BODY_LIMIT = 56 * 1024;

/**
 * oidc-provider parses its bodies itself, so they are read here first (within its own size limit),
 * decoded as it decodes them, checked, and handed on as `req.body`: finding the request stream
 * consumed, oidc-provider parses that text instead (selective_body.js, its documented fallback for an
 * upstream body parser; it says so once per process with a warning). The text it parses is
 * therefore the very text checked here. Returns why the request is refused instead when the body is
 * too large, undecodable or holds unstorable text; requests without a form or JSON body pass untouched.
 *
 * Why not a request object that replays the bytes: deriving one per request from the original
 * (`Object.create(req)`) turned every request object into a prototype, which V8 makes expensive
 * (map copies, lost inline caches in Koa and oidc-provider) and cost about a quarter of the token
 * endpoint's CPU time (docs/benchmarks.md).
 */
export async function protocolRequest(ctx: Context): Promise<{ req: IncomingMessage } | { refusal: string }> {
  const type = ctx.is('application/x-www-form-urlencoded', 'application/json');
  if (!type || ctx.method === 'GET' || ctx.method === 'HEAD') return { req: ctx.req };
  let text: string;
  try {
    const body = await getRawBody(ctx.req, { limit: PROTOCOL_BODY_LIMIT, length: ctx.request.length });
    // As selective_body.js decodes: with the declared charset when there is one, else as UTF-8.
    text = ctx.request.charset ? new TextDecoder(ctx.request.charset).decode(body) : body.toString('utf8');
  } catch {
    return { refusal: 'failed to parse the request body' }; // what oidc-provider says of a body over its limit or in an unknown charset
  }
  let parsed: unknown;
  try {
    parsed = mayHoldUnstorable(text) ? (type === 'application/json' ? JSON.parse(text) : parseForm(text)) : undefined;
  } catch {
    parsed = undefined; // broken JSON: oidc-provider refuses it itself
  }
  const field = unstorableField(parsed);
  if (field !== undefined) return { refusal: unstorableMessage(field) };
  (ctx.req as IncomingMessage & { body?: string }).body = text;
  return { req: ctx.req };
}
