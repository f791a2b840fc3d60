import { z } from 'zod';
import 'zod-openapi';
import type { AdminDeps } from './deps.js';
import { route, type AdminRoute } from './route-kit.js';

/** The effective configuration, read-only, with every secret masked (src/config/settings.ts). */
export function settingsRoutes(deps: AdminDeps): AdminRoute[] {
  return [
    route({
      method: 'get', path: '/settings', tag: 'settings',
      summary: 'The effective configuration by variable name: defaults applied, secrets and URL credentials replaced by [masked], null when unset',
      response: z.object({ settings: z.record(z.string(), z.unknown()) }),
      handler: async () => ({ settings: deps.shownSettings() }),
    }),
  ];
}
