import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const PUBLIC_DIRECTORY = fileURLToPath(new URL('../../public', import.meta.url));

/**
 * The ES-module build of @simplewebauthn/browser, served as it is installed in node_modules (no CDN,
 * no copy step to forget): public/passkeys.js imports it from /assets/simplewebauthn/index.js. Only
 * its .js files, listed once at start, are routes: nothing else under node_modules is reachable.
 */
function webauthnBrowserFiles(): Map<string, Buffer> {
  // The package exports only its entry (script/index.js for require); esm/ sits beside script/.
  const esm = join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'esm');
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(esm, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.js')) files.set(entry.split('\\').join('/'), readFileSync(join(esm, entry)));
  }
  return files;
}

/**
 * The few static files the hosted pages use, read once at start, and the two an operator adds:
 * brand.css (generated from the BRAND_* colours) and theme.css (THEME_DIR), each only when set.
 */
export function createAssetRouter(operator: { brandStylesheet?: string; themeStylesheet?: Buffer } = {}): Router {
  const stylesheet = readFileSync(`${PUBLIC_DIRECTORY}/idp.css`);
  const consoleStylesheet = readFileSync(`${PUBLIC_DIRECTORY}/console.css`);
  const router = new Router({ prefix: '/assets' });
  const files = new Map<string, { type: string; body: Buffer }>([
    ['idp.css', { type: 'text/css; charset=utf-8', body: stylesheet }],
    ['console.css', { type: 'text/css; charset=utf-8', body: consoleStylesheet }],
    // Right-to-left pages (dir="rtl"): the few rules logical properties do not cover.
    ['rtl.css', { type: 'text/css; charset=utf-8', body: readFileSync(`${PUBLIC_DIRECTORY}/rtl.css`) }],
    ['passkeys.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(`${PUBLIC_DIRECTORY}/passkeys.js`) }],
  ]);
  if (operator.brandStylesheet) files.set('brand.css', { type: 'text/css; charset=utf-8', body: Buffer.from(operator.brandStylesheet) });
  if (operator.themeStylesheet) files.set('theme.css', { type: 'text/css; charset=utf-8', body: operator.themeStylesheet });
  for (const [path, body] of webauthnBrowserFiles()) files.set(`simplewebauthn/${path}`, { type: 'text/javascript; charset=utf-8', body });
  for (const [path, { type, body }] of files) {
    router.get(`/${path}`, (ctx) => {
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = body;
    });
  }
  return router;
}
