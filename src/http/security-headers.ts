import helmet from 'helmet';
import type { Context, Next } from 'koa';

/**
 * Adds one origin to this response's CSP `img-src` (a client's logo on that client's own login and
 * consent pages), leaving every other response with the strict policy. `url` must be a checked
 * http(s) URL: only its origin (scheme, host, port; no space or semicolon can survive URL parsing) is
 * written into the header.
 */
export function allowImageOrigin(ctx: Context, url: string | undefined): void {
  const origin = url ? URL.parse(url)?.origin : undefined;
  const policy = ctx.response.get('Content-Security-Policy');
  if (!origin || origin === 'null' || !policy) return;
  ctx.set('Content-Security-Policy', policy.replace(/(^|;)(\s*img-src)([^;]*)/, (_match, start: string, name: string, sources: string) => `${start}${name}${sources} ${origin}`));
}

/**
 * Headers for every response: no framing anywhere (clickjacking on login and consent), no MIME
 * sniffing, no referrer leaks of the authorization URL, and a strict CSP: the hosted pages run no
 * script at all. `form-action` is left out on purpose: browsers apply it to the redirect chain
 * after a form post, which would block the final redirect to the relying party.
 */
export function securityHeaders(options: { imageOrigins?: string[]; https: boolean }) {
  const helmetMiddleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        // oidc-provider appends the hash of its one inline script (form_post) to this directive.
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...(options.imageOrigins ?? [])],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  return async (ctx: Context, next: Next) => {
    await new Promise<void>((resolve, reject) => {
      helmetMiddleware(ctx.req, ctx.res, (error?: unknown) => (error ? reject(error) : resolve()));
    });
    await next();
  };
}
