import type Router from '@koa/router';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { apiOf, fail } from './section-kit.js';

/**
 * How a setting's value reads on the page: unset or an empty list (a catalog key, `unset`), a list, or
 * the value (already masked by the API).
 */
function shown(value: unknown): { text: string; unset: boolean } {
  if (value === null || value === undefined) return { text: 'console.settings.notSet', unset: true };
  if (Array.isArray(value)) return value.length ? { text: value.join(', '), unset: false } : { text: 'console.settings.none', unset: true };
  if (typeof value === 'object') return { text: JSON.stringify(value), unset: false };
  return { text: String(value), unset: false };
}

/**
 * Settings: the effective configuration, read-only, from the admin API's GET /settings, which masks
 * every secret before it leaves the service (src/config/settings.ts); the page never sees one.
 */
export function settingsPages(router: Router, deps: ConsoleRouteDeps): void {
  router.get('/admin/settings', deps.guard.read, async (ctx) => {
    const answer = await apiOf(deps, ctx).call<{ settings: Record<string, unknown> }>('GET', '/settings');
    if (answer.status !== 200) fail(answer);
    const settings = Object.entries(answer.body.settings).map(([name, value]) => ({ name, ...shown(value) }));
    showPage(deps, ctx, 'console-settings', 'settings', { title: 'console.settings.title', settings });
  });
}
