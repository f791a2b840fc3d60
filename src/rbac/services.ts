import type { Knex } from 'knex';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Clock } from '../shared/clock.js';
import { createAccessCache } from './access-cache.js';
import { createAccessService, type AccessServiceOptions } from './access-service.js';
import { createGroupService } from './group-service.js';
import { createObjectGrantService } from './object-grant-service.js';
import { createRbacQueries } from './queries.js';
import { createResourceService, UNKNOWN_RESOURCE } from './resource-service.js';
import { createRoleService } from './role-service.js';
import type { SubjectDirectory } from './subjects.js';

/**
 * The RBAC domain's services over one set of queries. Every write clears this process's caches (the
 * check endpoint's subject profiles and the token endpoint's resource lookups) at once; writes made
 * by other processes reach them through the database's RBAC generation, polled like the check cache.
 */
export function createRbacServices(deps: { db: Knex; audit: AuditRecorder; directory: SubjectDirectory; clock: Clock; accessOptions?: AccessServiceOptions }) {
  const queries = createRbacQueries(deps.db);
  const access = createAccessService({ queries, clock: deps.clock, options: deps.accessOptions });
  const options = deps.accessOptions ?? {};
  const tokenLookupCache = createAccessCache({
    load: async (identifier) => (await queries.findResourceWithPermissions(identifier)) ?? Promise.reject(UNKNOWN_RESOURCE),
    readGeneration: () => queries.readGeneration(),
    clock: deps.clock,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    maxAgeMs: options.maxAgeMs ?? 60_000,
    maxEntries: 1000,
  });
  const onChange = () => {
    access.invalidate();
    tokenLookupCache.invalidate();
  };
  const shared = { queries, audit: deps.audit, onChange };
  return {
    access,
    resources: createResourceService({ ...shared, tokenLookupCache }),
    roles: createRoleService({ ...shared, directory: deps.directory }),
    groups: createGroupService({ ...shared, directory: deps.directory }),
    objectGrants: createObjectGrantService({ ...shared, directory: deps.directory }),
  };
}

export type RbacServices = ReturnType<typeof createRbacServices>;
