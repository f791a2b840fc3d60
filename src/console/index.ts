import type Router from '@koa/router';
import type { Container } from '../container.js';
import { createConsoleGuard } from './guard.js';
import { refusalPage } from './page-kit.js';
import { createConsoleQueries } from './queries.js';
import { createConsoleRouter } from './routes.js';
import { createSealer } from './seal.js';
import { createConsoleSignIn } from './sign-in.js';

export { isConsolePage } from './console-paths.js';

/** The admin console's router, wired from the container (docs/console.md). */
export function createAdminConsole(container: Container): Router {
  const { config } = container;
  const page = { render: container.render, secureCookies: config.secureCookies };
  const adminApi = container.systemApis.admin.identifier;
  const signIn = createConsoleSignIn({
    issuer: config.issuer,
    clientId: container.adminConsoleClientId,
    adminApi,
    secureCookies: config.secureCookies,
    clock: container.clock,
    sessions: createSealer(container.cookieKey, 'session'),
    logins: createSealer(container.cookieKey, 'sign-in'),
    savedLocale: async (accountId) => (await container.accounts.findById(accountId))?.locale,
  });
  const guard = createConsoleGuard({
    signIn,
    apiGuard: container.apiGuard,
    adminApi,
    clock: container.clock,
    recentSignInSeconds: config.consoleRecentSignInSeconds,
    refuse: refusalPage(page),
  });
  return createConsoleRouter({
    ...page,
    issuer: config.issuer,
    signIn,
    guard,
    secrets: createSealer(container.cookieKey, 'client-secret'),
    verifyChain: () => container.events.verify(),
    overview: {
      queries: createConsoleQueries(container.db),
      countAccounts: () => container.accounts.countAccounts(),
      clock: container.clock,
      storage: { database: container.databaseKind, shortLived: config.shortLivedStore === 'redis' ? 'redis' : 'sql' },
    },
  });
}
