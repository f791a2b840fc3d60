import type { Knex } from 'knex';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Clock } from '../shared/clock.js';
import { createAccessCache, MISSING, type AccessCache } from './access-cache.js';
import { createAccessService, type AccessServiceOptions } from './access-service.js';
import { createGroupService } from './group-service.js';
import { createObjectGrantService } from './object-grant-service.js';
import { createRbacQueries } from './queries.js';
import { createResourceService } from './resource-service.js';
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
  const lookupCaches: AccessCache<unknown>[] = [];
  /**
   * A read-through cache kept fresh like the check cache: cleared by every RBAC write in this process,
   * and when the database's generation changes (RBAC tables and clients bump it). Unknown keys
   * (the loader returns undefined) are never stored.
   */
  function generationCache<V>(load: (key: string) => Promise<V | undefined>, maxEntries = 1000): AccessCache<V> {
    const cache = createAccessCache<V>({
      load: async (key) => (await load(key)) ?? Promise.reject(MISSING),
      readGeneration: () => queries.readGeneration(),
      clock: deps.clock,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      maxAgeMs: options.maxAgeMs ?? 60_000,
      maxEntries,
    });
    lookupCaches.push(cache as AccessCache<unknown>);
    return cache;
  }
  const tokenLookupCache = generationCache((identifier) => queries.findResourceWithPermissions(identifier));
  const onChange = () => {
    access.invalidate();
    for (const cache of lookupCaches) cache.invalidate();
  };
  const shared = { queries, audit: deps.audit, onChange };
  return {
    access,
    generationCache,
    resources: createResourceService({ ...shared, tokenLookupCache, directory: deps.directory }),
    roles: createRoleService({ ...shared, directory: deps.directory }),
    groups: createGroupService({ ...shared, directory: deps.directory }),
    objectGrants: createObjectGrantService({ ...shared, directory: deps.directory }),
  };
}

export type RbacServices = ReturnType<typeof createRbacServices>;
