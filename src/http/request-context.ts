import type { IncomingMessage } from 'node:http';

/** Where a request came from; every audit event made during a request carries it. */
export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

/**
 * Facts about a request that oidc-provider's own contexts also need (it runs as a separate Koa app
 * on the same Node request object), so they are attached to the request object itself.
 */
const ORIGIN = Symbol('idp.request-origin');

type Tagged = IncomingMessage & { [ORIGIN]?: RequestOrigin };

export function setRequestOrigin(req: IncomingMessage, origin: RequestOrigin): void {
  (req as Tagged)[ORIGIN] = origin;
}

export function requestOriginOf(req: IncomingMessage): RequestOrigin {
  return (req as Tagged)[ORIGIN] ?? {};
}

export function requestIdOf(req: IncomingMessage): string | undefined {
  return requestOriginOf(req).requestId;
}
