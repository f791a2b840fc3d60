import type { Context } from 'koa';
import { ADMIN_PREFIX } from '../admin/openapi.js';
import { dispatchFrom } from './in-process.js';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** An RFC 9457 problem from the admin API, as the console shows it. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  field?: string;
}

/**
 * A path segment `.` or `..` (also percent-encoded): the URL parser resolves it away, so an id typed
 * as `..` would reach another route (DELETE /groups/:id/roles/.. is DELETE /groups/:id).
 */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?=\/|$)/i;

/** What the admin API answers for an id that names nothing. */
const NO_SUCH_ITEM: ApiAnswer<never> = { status: 404, body: { type: 'urn:idp:error:not-found', title: 'Not Found', status: 404, detail: 'there is no such item' } as never };

/**
 * The console's changes and lists go through the admin API itself, called in process with the
 * operator's delegated token: the same validation, permission check (live roles), rules and audit
 * record (the operator as actor) as for any API client, so no rule is written twice.
 */
export function adminApiFor(ctx: Context, issuer: string, token: string) {
  const dispatch = dispatchFrom(ctx, issuer);
  return {
    async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
      if (DOT_SEGMENT.test(path.split('?')[0])) return NO_SUCH_ITEM;
      const answer = await dispatch({
        method,
        path: `${ADMIN_PREFIX}${path}`,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = answer.body.toString('utf8');
      return { status: answer.status, body: (text ? JSON.parse(text) : {}) as T };
    },
    /** The answer's bytes as they came (an NDJSON export). */
    async raw(method: string, path: string): Promise<ApiAnswer<Buffer>> {
      if (DOT_SEGMENT.test(path.split('?')[0])) return { status: 404, body: Buffer.alloc(0) };
      const answer = await dispatch({ method, path: `${ADMIN_PREFIX}${path}`, headers: { authorization: `Bearer ${token}` } });
      return { status: answer.status, body: answer.body };
    },
  };
}

export type AdminApi = ReturnType<typeof adminApiFor>;

/** Query strings for the admin API: empty values left out. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
