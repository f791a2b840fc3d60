import { diffFields, recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { conflict, notFound } from '../errors/app-error.js';
import { newUuid } from '../shared/ids.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { RbacQueries } from './queries.js';
import type { RoleAssignmentView, RolePermissionView, RoleRow, SubjectKind } from './queries/roles.js';
import { isUuid, requireAccount, requireMachineClient, type SubjectDirectory } from './subjects.js';

export interface RoleInput {
  name: string;
  description?: string | null;
}

export interface RoleDetail extends RoleRow {
  permissions: RolePermissionView[];
}

export interface RoleHolder {
  type: SubjectKind;
  id: string;
}

const roleNotFound = () => notFound('no role with this id');
const asRecord = (value: object) => value as Record<string, unknown>;

/** Roles (named sets of permissions, across APIs) and who holds them: accounts, groups, machine clients. */
export function createRoleService(deps: { queries: RbacQueries; audit: AuditRecorder; directory: SubjectDirectory; onChange?: () => void }) {
  const { queries, audit, directory } = deps;
  const changed = deps.onChange ?? (() => undefined);

  async function requirePermissions(permissionIds: string[]) {
    for (const permissionId of permissionIds) {
      if (!isUuid(permissionId) || !(await queries.findPermissionById(permissionId))) throw notFound(`no permission with id ${permissionId}`);
    }
  }

  async function requireRole(id: string): Promise<RoleRow> {
    const role = isUuid(id) ? await queries.findRoleById(id) : undefined;
    if (!role) throw roleNotFound();
    return role;
  }

  async function requireHolder(holder: RoleHolder): Promise<string> {
    if (holder.type === 'account') return (await requireAccount(directory, holder.id)).email;
    if (holder.type === 'client') return (await requireMachineClient(directory, holder.id)).name;
    const group = isUuid(holder.id) ? await queries.findGroupById(holder.id) : undefined;
    if (!group) throw notFound('no group with this id');
    return group.name;
  }

  return {
    requireRole,
    findRoleByName: (name: string) => queries.findRoleByName(name),
    listRolesPage: (page: PageRequest) => queries.listRolesPage(page),

    async getRole(id: string): Promise<RoleDetail> {
      const role = await requireRole(id);
      return { ...role, permissions: await queries.listRolePermissions(id) };
    },

    /** `permissionIds` are only checked here (the caller adds them once the role exists), so a role is never created for a request that then fails on them. */
    async createRole(input: RoleInput, actor: Actor, permissionIds: string[] = []): Promise<RoleRow> {
      if (await queries.findRoleByName(input.name)) throw conflict('a role with this name already exists');
      await requirePermissions(permissionIds);
      const role = await queries.insertRole({ id: newUuid(), name: input.name, description: input.description ?? null });
      changed();
      await recordChange(audit, {
        type: 'role.created',
        actor,
        target: { type: 'role', id: role.id, name: role.name },
        changes: diffFields(undefined, asRecord(role), { ignore: ['id'] }),
      });
      return role;
    },

    async updateRole(id: string, changes: Partial<RoleInput>, actor: Actor): Promise<RoleRow> {
      const before = await requireRole(id);
      if (changes.name !== undefined && changes.name.toLowerCase() !== before.name.toLowerCase() && (await queries.findRoleByName(changes.name))) {
        throw conflict('a role with this name already exists');
      }
      const after = await queries.updateRole(id, changes);
      if (!after) throw roleNotFound();
      changed();
      await recordChange(audit, { type: 'role.updated', actor, target: { type: 'role', id, name: after.name }, changes: diffFields(asRecord(before), asRecord(after)) });
      return after;
    },

    async deleteRole(id: string, actor: Actor): Promise<void> {
      const before = await requireRole(id);
      await queries.deleteRole(id);
      changed();
      await recordChange(audit, {
        type: 'role.deleted',
        actor,
        target: { type: 'role', id, name: before.name },
        changes: diffFields(asRecord(before), undefined, { ignore: ['id'] }),
      });
    },

    async listRolePermissionsPage(id: string, page: PageRequest): Promise<Page<RolePermissionView>> {
      await requireRole(id);
      return queries.listRolePermissionsPage(id, page);
    },

    /** Adds permissions (by id) to a role; already present ones are left alone. Returns the role's permissions. */
    async addPermissions(roleId: string, permissionIds: string[], actor: Actor): Promise<RolePermissionView[]> {
      const role = await requireRole(roleId);
      await requirePermissions(permissionIds);
      const added = await queries.insertRolePermissions(roleId, [...new Set(permissionIds)]);
      const permissions = await queries.listRolePermissions(roleId);
      for (const permissionId of added) {
        const permission = permissions.find((entry) => entry.permission_id === permissionId);
        changed();
        await recordChange(audit, {
          type: 'role.permission_added',
          actor,
          target: { type: 'role', id: roleId, name: role.name },
          detail: { permission: { id: permissionId, resource: permission?.resource, name: permission?.name } },
        });
      }
      return permissions;
    },

    async removePermission(roleId: string, permissionId: string, actor: Actor): Promise<void> {
      const role = await requireRole(roleId);
      const permission = (await queries.listRolePermissions(roleId)).find((entry) => entry.permission_id === permissionId);
      if (!permission) throw notFound('this role does not hold this permission');
      await queries.deleteRolePermission(roleId, permissionId);
      changed();
      await recordChange(audit, {
        type: 'role.permission_removed',
        actor,
        target: { type: 'role', id: roleId, name: role.name },
        detail: { permission: { id: permissionId, resource: permission.resource, name: permission.name } },
      });
    },

    async listAssignmentsPage(holder: RoleHolder, page: PageRequest): Promise<Page<RoleAssignmentView>> {
      await requireHolder(holder);
      return queries.listAssignmentsOfSubjectPage(holder.type, holder.id, page);
    },

    async listHolders(roleId: string): Promise<RoleAssignmentView[]> {
      await requireRole(roleId);
      return queries.listAssignmentsOfRole(roleId);
    },

    async listHoldersPage(roleId: string, page: PageRequest): Promise<Page<RoleAssignmentView>> {
      await requireRole(roleId);
      return queries.listAssignmentsOfRolePage(roleId, page);
    },

    /** Gives a role to an account, a group or a machine client. Idempotent; returns whether it was new. */
    async assign(roleId: string, holder: RoleHolder, actor: Actor): Promise<boolean> {
      const holderName = await requireHolder(holder);
      const role = await requireRole(roleId);
      const added = await queries.insertAssignment(roleId, holder.type, holder.id);
      if (added) {
        changed();
        await recordChange(audit, {
          type: 'role.assigned',
          actor,
          target: { type: holder.type, id: holder.id, name: holderName },
          detail: { role: { id: role.id, name: role.name } },
          ...(holder.type === 'account' ? { accountId: holder.id } : holder.type === 'client' ? { clientId: holder.id } : {}),
        });
      }
      return added;
    },

    async unassign(roleId: string, holder: RoleHolder, actor: Actor): Promise<void> {
      const holderName = await requireHolder(holder);
      const role = await requireRole(roleId);
      if (!(await queries.deleteAssignment(roleId, holder.type, holder.id))) throw notFound(`this ${holder.type} does not hold this role`);
      changed();
      await recordChange(audit, {
        type: 'role.unassigned',
        actor,
        target: { type: holder.type, id: holder.id, name: holderName },
        detail: { role: { id: role.id, name: role.name } },
        ...(holder.type === 'account' ? { accountId: holder.id } : holder.type === 'client' ? { clientId: holder.id } : {}),
      });
    },
  };
}

export type RoleService = ReturnType<typeof createRoleService>;
