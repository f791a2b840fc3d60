import helmet from 'helmet';
import type { Context, Next } from 'koa';

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
