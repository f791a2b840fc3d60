import type { OutgoingHttpHeaders, RequestListener } from 'node:http';
import type Koa from 'koa';
import type { Context } from 'koa';
import inject from 'light-my-request';

/**
 * The console talks to this server's own endpoints (the token endpoint, the admin API) in process,
 * through the whole application — every middleware, guard and audit record, exactly as for an
 * outside caller — without a network hop. The issuer may be a public address that the server cannot
 * reach from the inside (a proxy terminating TLS, a hairpin NAT), so calling it over the network
 * would be fragile. light-my-request (Fastify's injection library) builds the request and response
 * objects Node's http server would, so nothing here imitates them by hand.
 */
const listeners = new WeakMap<Koa, RequestListener>();

export interface Dispatch {
  (request: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; headers: OutgoingHttpHeaders; body: Buffer }>;
}

/** Dispatches into the application serving `ctx`, as if the request came from the operator's address. */
export function dispatchFrom(ctx: Context, issuer: string): Dispatch {
  let listener = listeners.get(ctx.app);
  if (!listener) {
    listener = ctx.app.callback() as RequestListener;
    listeners.set(ctx.app, listener);
  }
  const handler = listener;
  const host = new URL(issuer).host;
  return async ({ method, path, headers, body }) => {
    const response = await inject(handler, { method, url: path, headers: { ...headers, host }, payload: body, remoteAddress: ctx.ip });
    return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
  };
}

/** A `fetch` for openid-client that sends requests for the issuer's own URLs through `dispatch`. */
export function fetchThrough(dispatch: Dispatch, issuer: string) {
  const origin = new URL(issuer).origin;
  return async (url: string, options: { method?: string; headers?: Headers | Record<string, string>; body?: unknown }): Promise<Response> => {
    const target = new URL(url);
    // Only this server's own endpoints: the console never calls out.
    if (target.origin !== origin) throw new Error('the console only calls its own issuer');
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit | undefined).forEach((value, name) => (headers[name] = value));
    const body = options.body === undefined || options.body === null ? undefined : String(options.body);
    const answer = await dispatch({ method: options.method ?? 'GET', path: `${target.pathname}${target.search}`, headers, body });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [String(value)]) responseHeaders.append(name, one);
    }
    const empty = answer.status === 204 || answer.status === 304;
    return new Response(empty ? null : new Uint8Array(answer.body), { status: answer.status, headers: responseHeaders });
  };
}
