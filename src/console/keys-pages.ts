import type Router from '@koa/router';
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

const ROTATE = {
  heading: 'Rotate the signing keys?',
  message: 'A new key is made for each algorithm and signs every token from now on. The current keys stop signing but stay published until the tokens they signed have expired, so nobody is signed out.',
  button: 'Rotate keys',
};

/**
 * Signing keys: the keys published in JWKS (public parts only, through the admin API's GET /keys)
 * with their age, and rotation behind a confirmation page (POST /keys/rotate, recorded as
 * keys.rotated with the operator as actor).
 */
export function keyPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;

  router.get('/admin/keys', read, async (ctx) => {
    const answer = await apiOf(deps, ctx).call<{ items: SigningKey[] }>('GET', '/keys');
    if (answer.status !== 200) fail(answer);
    // The server's clock, which dated the keys (the overview reads the same one for the oldest key's age).
    const now = deps.overview.clock.now().getTime();
    const keys = answer.body.items.map((key) => ({ ...key, ageDays: Math.max(0, Math.floor((now - new Date(key.created_at).getTime()) / 86_400_000)) }));
    showPage(deps, ctx, 'console-keys', 'keys', { title: 'Signing keys', keys });
  });

  router.get('/admin/keys/rotate', read, (ctx) => confirmPage(deps, ctx, 'keys', ROTATE, 'Every active signing key', '/admin/keys/rotate', '/admin/keys'));

  router.post('/admin/keys/rotate', forms, requireCsrf(), write, async (ctx) => {
    const answer = await apiOf(deps, ctx).call<{ added: string[] }>('POST', '/keys/rotate');
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, '/admin/keys?done=keys-rotated');
  });
}
