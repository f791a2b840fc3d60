import { diffFields, recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { conflict, notFound } from '../errors/app-error.js';
import { newUuid } from '../shared/ids.js';
import type { PageRequest } from '../storage/pagination.js';
import type { RbacQueries } from './queries.js';
import type { ObjectGrantFilter, ObjectGrantView } from './queries/object-grants.js';
import { splitObjectRef } from './schemas.js';
import { isUuid, requireAccount, type SubjectDirectory } from './subjects.js';

export interface ObjectGrantInput {
  subject: { type: 'account' | 'group'; id: string };
  permissionId: string;
  /** `type:id`, for example `document:42`. */
  object: string;
}

const grantNotFound = () => notFound('no object grant with this id');

/** One permission on one object (`document:42`) for an account or a group: per-instance permissions. */
export function createObjectGrantService(deps: { queries: RbacQueries; audit: AuditRecorder; directory: SubjectDirectory; onChange?: () => void }) {
  const { queries, audit, directory } = deps;
  const changed = deps.onChange ?? (() => undefined);

  return {
    listObjectGrantsPage: (filter: ObjectGrantFilter, page: PageRequest) => queries.listObjectGrantsPage(filter, page),

    async getObjectGrant(id: string): Promise<ObjectGrantView> {
      const grant = isUuid(id) ? await queries.findObjectGrantById(id) : undefined;
      if (!grant) throw grantNotFound();
      return grant;
    },

    async createObjectGrant(input: ObjectGrantInput, actor: Actor): Promise<ObjectGrantView> {
      if (input.subject.type === 'account') await requireAccount(directory, input.subject.id);
      else if (!isUuid(input.subject.id) || !(await queries.findGroupById(input.subject.id))) throw notFound('no group with this id');
      if (!isUuid(input.permissionId) || !(await queries.findPermissionById(input.permissionId))) throw notFound('no permission with this id');
      const object = splitObjectRef(input.object);
      const inserted = await queries.insertObjectGrant({
        id: newUuid(),
        permission_id: input.permissionId,
        object_type: object.type,
        object_id: object.id,
        account_id: input.subject.type === 'account' ? input.subject.id : null,
        group_id: input.subject.type === 'group' ? input.subject.id : null,
      });
      if (!inserted) throw conflict('this subject already holds this permission on this object');
      const grant = (await queries.findObjectGrantById(inserted.id))!;
      changed();
      await recordChange(audit, {
        type: 'object_grant.created',
        actor,
        target: { type: 'object_grant', id: grant.id, name: `${grant.permission} on ${input.object}` },
        changes: diffFields(undefined, grant as unknown as Record<string, unknown>, { ignore: ['id'] }),
        ...(input.subject.type === 'account' ? { accountId: input.subject.id } : {}),
      });
      return grant;
    },

    async deleteObjectGrant(id: string, actor: Actor): Promise<void> {
      const grant = isUuid(id) ? await queries.findObjectGrantById(id) : undefined;
      if (!grant) throw grantNotFound();
      await queries.deleteObjectGrant(id);
      changed();
      await recordChange(audit, {
        type: 'object_grant.deleted',
        actor,
        target: { type: 'object_grant', id, name: `${grant.permission} on ${grant.object_type}:${grant.object_id}` },
        changes: diffFields(grant as unknown as Record<string, unknown>, undefined, { ignore: ['id'] }),
        ...(grant.account_id ? { accountId: grant.account_id } : {}),
      });
    },
  };
}

export type ObjectGrantService = ReturnType<typeof createObjectGrantService>;
