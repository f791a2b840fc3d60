import type { Knex } from 'knex';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Clock } from '../shared/clock.js';
import { createAccessService, type AccessServiceOptions } from './access-service.js';
import { createGroupService } from './group-service.js';
import { createObjectGrantService } from './object-grant-service.js';
import { createRbacQueries } from './queries.js';
import { createResourceService } from './resource-service.js';
import { createRoleService } from './role-service.js';
import type { SubjectDirectory } from './subjects.js';

/** The RBAC domain's services over one set of queries; every write clears the check cache of this process. */
export function createRbacServices(deps: { db: Knex; audit: AuditRecorder; directory: SubjectDirectory; clock: Clock; accessOptions?: AccessServiceOptions }) {
  const queries = createRbacQueries(deps.db);
  const access = createAccessService({ queries, clock: deps.clock, options: deps.accessOptions });
  const shared = { queries, audit: deps.audit, onChange: () => access.invalidate() };
  return {
    access,
    resources: createResourceService(shared),
    roles: createRoleService({ ...shared, directory: deps.directory }),
    groups: createGroupService({ ...shared, directory: deps.directory }),
    objectGrants: createObjectGrantService({ ...shared, directory: deps.directory }),
  };
}

export type RbacServices = ReturnType<typeof createRbacServices>;
