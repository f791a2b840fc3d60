import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const PUBLIC_DIRECTORY = fileURLToPath(new URL('../../public', import.meta.url));

/** The few static files the hosted pages use, read once at start. */
export function createAssetRouter(): Router {
  const stylesheet = readFileSync(`${PUBLIC_DIRECTORY}/idp.css`);
  const router = new Router({ prefix: '/assets' });
  router.get('/idp.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = stylesheet;
  });
  return router;
}
