import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const PUBLIC_DIRECTORY = fileURLToPath(new URL('../../public', import.meta.url));

/** The few static files the hosted pages use, read once at start. */
export function createAssetRouter(): Router {
  const stylesheet = readFileSync(`${PUBLIC_DIRECTORY}/idp.css`);
  const consoleStylesheet = readFileSync(`${PUBLIC_DIRECTORY}/console.css`);
  const router = new Router({ prefix: '/assets' });
  for (const [path, body] of [['/idp.css', stylesheet], ['/console.css', consoleStylesheet]] as const) {
    router.get(path, (ctx) => {
      ctx.type = 'text/css; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = body;
    });
  }
  return router;
}
