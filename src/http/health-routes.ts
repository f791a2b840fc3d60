import Router from '@koa/router';

export interface Readiness {
  /** False from the moment the process starts draining for shutdown. */
  accepting(): boolean;
  dependencies(): Promise<{ name: string; ok: boolean }[]>;
}

/**
 * /healthz: the process is alive (restart it if not).
 * /readyz: this instance can serve now (route traffic to it only if so): every store answers and it
 * is not shutting down.
 */
export function createHealthRouter(readiness: Readiness): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (!readiness.accepting()) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    const checks = await readiness.dependencies();
    const ready = checks.every((check) => check.ok);
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set('Retry-After', '5');
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks: checks.map(({ name, ok }) => ({ name, ok })) };
  });
  return router;
}
