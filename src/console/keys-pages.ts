import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { apiOf, confirmPage, fail } from './section-kit.js';

interface SigningKey {
  kid: string;
  alg: string;
  status: 'active' | 'retired';
  created_at: string;
  retired_at: string | null;
  remove_after: string | null;
}

const ROTATE = { heading: 'console.keys.rotateHeading', message: 'console.keys.rotateMessage', button: 'console.keys.rotateButton' };

/**
 * Signing keys: the keys published in JWKS (public parts only, through the admin API's GET /keys)
 * with their age, and rotation behind a confirmation page (POST /keys/rotate, recorded as
 * keys.rotated with the operator as actor).
 */
export function keyPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;

  const listKeys = async (ctx: Context): Promise<SigningKey[]> => {
    const answer = await apiOf(deps, ctx).call<{ items: SigningKey[] }>('GET', '/keys');
    if (answer.status !== 200) fail(answer);
    return answer.body.items;
  };

  router.get('/admin/keys', read, async (ctx) => {
    // The server's clock, which dated the keys (the overview reads the same one for the oldest key's age).
    const now = deps.overview.clock.now().getTime();
    const keys = (await listKeys(ctx)).map((key) => ({ ...key, ageDays: Math.max(0, Math.floor((now - new Date(key.created_at).getTime()) / 86_400_000)) }));
    showPage(deps, ctx, 'console-keys', 'keys', { title: 'console.keys.title', keys });
  });

  // The confirmation names what it retires, the active keys by id: the subject is data (shown as is).
  router.get('/admin/keys/rotate', read, async (ctx) => {
    const active = (await listKeys(ctx)).filter((key) => key.status === 'active').map((key) => key.kid);
    confirmPage(deps, ctx, 'keys', ROTATE, active.join(', '), '/admin/keys/rotate', '/admin/keys');
  });

  router.post('/admin/keys/rotate', forms, requireCsrf(), write, async (ctx) => {
    const answer = await apiOf(deps, ctx).call<{ added: string[] }>('POST', '/keys/rotate');
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, '/admin/keys?done=keys-rotated');
  });
}
