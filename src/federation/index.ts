import type Router from '@koa/router';
import type { Container } from '../container.js';
import type { AdapterFactory } from '../oidc/adapters/types.js';
import type { AccountService } from '../accounts/service.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { GroupService } from '../rbac/group-service.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { OutboundGuard } from '../outbound/guard.js';
import type { AccountAuth } from '../accounts/routes/account-auth.js';
import { interactionDepsOf } from '../interactions/deps.js';
import { createAccountConnectionsRouter } from './account-routes.js';
import { createFederationStores } from './attempts.js';
import { createFederationBroker } from './broker.js';
import type { ConnectionService } from './connection-service.js';
import { createFederatedSignIns } from './linking.js';
import { createFederationLogin } from './login.js';
import { createFederationQueries } from './queries.js';
import { createFederationRouter } from './routes.js';
import { createUpstreamClient } from './upstream.js';
import type { Knex } from 'knex';

/** An upstream authorization request may take this long (the person may have to sign up upstream). */
const ATTEMPT_TTL_SECONDS = 15 * 60;

/** The brokered-login parts of the server, over the connection service that the CLI shares. */
export function buildFederation(deps: {
  db: Knex;
  connections: ConnectionService;
  accounts: AccountService;
  groups: GroupService;
  audit: AuditRecorder;
  adapterFactory: AdapterFactory;
  issuer: string;
  secureCookies: boolean;
  clock: Clock;
  logger: Logger;
  outbound: Pick<OutboundGuard, 'fetch'>;
  passkeys: { count(accountId: string): Promise<number> };
}) {
  const upstream = createUpstreamClient({ clientSecretOf: deps.connections.clientSecretOf, fetch: deps.outbound.fetch });
  const stores = createFederationStores(deps.adapterFactory, ATTEMPT_TTL_SECONDS);
  const broker = createFederationBroker({ queries: createFederationQueries(deps.db), accounts: deps.accounts, groups: deps.groups, audit: deps.audit, clock: deps.clock, logger: deps.logger, passkeys: deps.passkeys });
  const signIns = createFederatedSignIns({ stores, broker, connections: deps.connections, audit: deps.audit });
  const login = createFederationLogin({
    connections: deps.connections,
    upstream,
    stores,
    issuer: deps.issuer,
    secureCookies: deps.secureCookies,
    attemptTtlSeconds: ATTEMPT_TTL_SECONDS,
  });
  return { upstream, stores, broker, login, signIns };
}

export type Federation = ReturnType<typeof buildFederation>;

/** The routers of brokered login (under /interaction and /federation) and of /account/connections. */
export function federationRouters(container: Container, accountAuth?: Pick<AccountAuth, 'startLogin'>): Router[] {
  const { config, federation } = container;
  const provider = () => container.providers.current();
  return [
    createFederationRouter({
      ...interactionDepsOf(container),
      connections: container.connections,
      upstream: federation.upstream,
      stores: federation.stores,
      broker: federation.broker,
      federationLogin: federation.login,
      signIns: federation.signIns,
      issuer: config.issuer,
    }),
    createAccountConnectionsRouter({
      provider,
      accounts: container.accounts,
      connections: container.connections,
      broker: federation.broker,
      federationLogin: federation.login,
      render: container.render,
      secureCookies: config.secureCookies,
      startLogin: accountAuth ? (ctx, returnTo, fresh) => accountAuth.startLogin(ctx, returnTo, fresh) : undefined,
      mfa: container.mfa,
      clock: container.clock,
      recentLoginSeconds: config.recentLoginSeconds,
    }),
  ];
}
