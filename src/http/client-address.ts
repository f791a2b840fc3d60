import type { Context, Next } from 'koa';
import proxyaddr from 'proxy-addr';

const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded'];
/** Koa (and so oidc-provider) reads the left end of these; only the right end is our proxy's. */
const SINGLE_VALUE_HEADERS = ['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'];

/**
 * Decides who the client is. X-Forwarded-* headers are believed only from a configured trusted
 * proxy (TRUSTED_PROXIES); from anyone else they are removed before Koa or oidc-provider can read
 * them, so a client cannot pick its own IP (and dodge a per-IP limit) or its own scheme or host.
 * The client IP is the first untrusted hop counted from the right of X-Forwarded-For (proxy-addr),
 * never the left-most entry, which the client itself wrote. For the same reason the scheme, host and
 * port keep only their right-most value: a proxy that appends to them (rather than overwriting) would
 * otherwise let the client choose what Koa and oidc-provider believe.
 */
export function clientAddress(trustedProxies: readonly string[]) {
  const trust = proxyaddr.compile([...trustedProxies]);
  return async (ctx: Context, next: Next) => {
    const peer = ctx.req.socket.remoteAddress ?? '';
    if (!trustedProxies.length || !trust(peer, 0)) {
      for (const header of FORWARDED_HEADERS) delete ctx.req.headers[header];
    } else {
      for (const header of SINGLE_VALUE_HEADERS) keepRightMost(ctx.req.headers, header);
    }
    ctx.request.ip = unmapIpv4(proxyaddr(ctx.req, trust));
    await next();
  };
}

function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function keepRightMost(headers: Record<string, string | string[] | undefined>, name: string): void {
  const value = headers[name];
  if (value === undefined) return;
  const values = (Array.isArray(value) ? value.join(',') : value).split(',').map((part) => part.trim()).filter(Boolean);
  if (values.length) headers[name] = values[values.length - 1];
  else delete headers[name];
}
