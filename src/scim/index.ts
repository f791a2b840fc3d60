import type Provider from 'oidc-provider';
import type { Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Config } from '../config/load.js';
import type { SessionIndex } from '../oidc/session-index.js';
import type { ApiGuard } from '../rbac/api-guard.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Middleware } from 'koa';
import { parseAttributeMapping } from './attribute-mapping.js';
import { SCIM_PREFIX } from './constants.js';
import type { DirectoryService } from './directory-service.js';
import { createGroupService } from './group-service.js';
import { scimGuard } from './guard.js';
import { createScimQueries } from './queries.js';
import { createScimRouter } from './routes.js';
import { createUserService } from './user-service.js';
import type { Knex } from 'knex';

export { createDirectoryService, type DirectoryService } from './directory-service.js';
export { createDirectoryQueries } from './queries/directories.js';

/**
 * Wires the SCIM server: services over one set of queries, the account lifecycle it borrows
 * (sessions, single-use links, the outbox), and the router. Mounted by app.ts.
 */
export function buildScim(deps: {
  config: Config;
  db: Knex;
  clock: Clock;
  logger: Logger;
  audit: AuditRecorder;
  directories: DirectoryService;
  sessionIndex: SessionIndex;
  provider: () => Provider;
  /** Mails a new user the invitation link (accounts/operator-links.ts, mailInvitation). */
  invite: (account: { id: string; email: string }) => Promise<void>;
  invalidateAccess: () => void;
  eraseAccount: (accountId: string, actor: Actor) => Promise<unknown>;
}) {
  const { config } = deps;
  const queries = createScimQueries(deps.db);
  const users = createUserService({
    queries,
    audit: deps.audit,
    clock: deps.clock,
    mapping: parseAttributeMapping(config.scim.attributeMapping),
    async endSessions(accountId) {
      const provider = deps.provider();
      await deps.sessionIndex.revokeSessions(provider, accountId, undefined, 'account_disabled');
      await deps.sessionIndex.revokeTokens(provider, accountId);
    },
    eraseAccount: deps.eraseAccount,
    onChange: deps.invalidateAccess,
    // The invitation is a password-reset link with a longer life: setting the password proves the address.
    invite: deps.invite,
  });
  const groups = createGroupService({ queries, audit: deps.audit, clock: deps.clock, onChange: deps.invalidateAccess });
  return {
    users,
    groups,
    /** The router for /scim/v2, given the API guard and the throttle. */
    router(options: { apiGuard: ApiGuard; audience: string; limit: Middleware }) {
      const base = `${config.issuer}${SCIM_PREFIX}`;
      return createScimRouter({
        users,
        groups,
        guard: scimGuard({ directories: deps.directories, apiGuard: options.apiGuard, audience: options.audience, base }),
        limit: options.limit,
        logger: deps.logger,
        base,
      });
    },
  };
}

export type Scim = ReturnType<typeof buildScim>;
