import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Router from '@koa/router';
import Koa from 'koa';
import { mountRouter } from '../../../src/http/mount-router.js';

describe('mountRouter', () => {
  let origin: string;
  let server: ReturnType<Koa['listen']>;

  beforeAll(async () => {
    const app = new Koa();
    const account = new Router({ prefix: '/account' });
    account.get('/', (ctx) => void (ctx.body = 'account home'));
    account.post('/password', (ctx) => void (ctx.body = 'password changed'));
    const health = new Router();
    health.get('/healthz', (ctx) => void (ctx.body = 'ok'));
    const catchAll = new Router();
    catchAll.get('/:slug/about', (ctx) => void (ctx.body = `about ${ctx.params.slug}`));
    mountRouter(app, account);
    mountRouter(app, health);
    mountRouter(app, catchAll);
    // Stands for oidc-provider: whatever no router took (and nothing under /account/).
    app.use((ctx) => {
      if (!ctx.path.startsWith('/account/')) ctx.body = `fallback ${ctx.method} ${ctx.path}`;
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${origin}${path}`, init);
    return { status: response.status, body: await response.text(), allow: response.headers.get('allow') };
  };

  it("routes requests under a router's first segments to it, in any letter case", async () => {
    expect(await get('/account')).toMatchObject({ status: 200, body: 'account home' });
    expect(await get('/ACCOUNT/')).toMatchObject({ status: 200, body: 'account home' });
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('still answers 405 with Allow for a known path and the wrong method', async () => {
    expect(await get('/account/password')).toMatchObject({ status: 405, allow: 'POST' });
  });

  it('leaves paths outside every segment to what comes next', async () => {
    expect(await get('/token')).toMatchObject({ status: 200, body: 'fallback GET /token' });
    expect(await get('/accountant')).toMatchObject({ status: 200, body: 'fallback GET /accountant' });
  });

  it('runs a router whose first segment is a parameter on every path', async () => {
    expect(await get('/anything/about')).toMatchObject({ status: 200, body: 'about anything' });
  });
});
