import type { Knex } from 'knex';
import { keysetPage, type KeyColumn, type PageRequest } from '../../storage/pagination.js';

export interface RoleRow {
  id: string;
  name: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A permission as a role lists it: with the resource it belongs to. */
export interface RolePermissionView {
  permission_id: string;
  name: string;
  resource_id: string;
  resource: string;
  added_at: Date;
}

export type SubjectKind = 'account' | 'group' | 'client';

export interface RoleAssignmentView {
  role_id: string;
  role: string;
  subject_type: SubjectKind;
  subject_id: string;
  created_at: Date;
}

const SUBJECT_COLUMN: Record<SubjectKind, 'account_id' | 'group_id' | 'client_id'> = {
  account: 'account_id',
  group: 'group_id',
  client: 'client_id',
};

export function createRoleQueries(db: Knex) {
  const roles = () => db<RoleRow>('roles');
  const assignmentView = () =>
    db('role_assignments as ra')
      .join('roles as r', 'r.id', 'ra.role_id')
      .select(
        'ra.role_id',
        'r.name as role',
        db.raw(`case when ra.account_id is not null then 'account' when ra.group_id is not null then 'group' else 'client' end as subject_type`),
        db.raw('coalesce(ra.account_id::text, ra.group_id::text, ra.client_id) as subject_id'),
        'ra.created_at',
      );
  const rolePermissionView = (roleId: string) =>
    db('role_permissions as rp')
      .join('permissions as p', 'p.id', 'rp.permission_id')
      .join('api_resources as r', 'r.id', 'p.resource_id')
      .where('rp.role_id', roleId)
      .select('p.id as permission_id', 'p.name', 'r.id as resource_id', 'r.identifier as resource', 'rp.created_at as added_at');
  /** Assignments in the order they were made (join-table rows have no id of their own; `keys` completes the order). */
  const assignmentPage = (query: Knex.QueryBuilder, page: PageRequest, keys: KeyColumn[]) =>
    keysetPage<RoleAssignmentView>(db, db.from(query.as('v')).select('v.*'), { ...page, table: 'v', keys });
  return {
    findRoleById: (id: string) => roles().where({ id }).first(),
    findRoleByName: (name: string) => roles().whereRaw('lower(name) = lower(?)', [name]).first(),
    listRolesPage: (page: PageRequest) => keysetPage<RoleRow>(db, roles().select('roles.*'), { ...page, table: 'roles' }),
    async insertRole(row: Omit<RoleRow, 'created_at' | 'updated_at'>): Promise<RoleRow> {
      const [inserted] = await roles().insert(row).returning('*');
      return inserted as RoleRow;
    },
    async updateRole(id: string, changes: Partial<Pick<RoleRow, 'name' | 'description'>>) {
      const [updated] = await roles().where({ id }).update({ ...changes, updated_at: db.fn.now() as unknown as Date }).returning('*');
      return updated as RoleRow | undefined;
    },
    deleteRole: (id: string) => roles().where({ id }).delete(),

    listRolePermissions: (roleId: string): Promise<RolePermissionView[]> =>
      rolePermissionView(roleId).orderBy([{ column: 'r.identifier' }, { column: 'p.name' }]),
    /** In the order they were added; a role holds a permission once, so its id completes the key. */
    listRolePermissionsPage: (roleId: string, page: PageRequest) =>
      keysetPage<RolePermissionView>(db, db.from(rolePermissionView(roleId).as('v')).select('v.*'), {
        ...page, table: 'v', createdAt: 'added_at', keys: [{ column: 'permission_id', uuid: true }],
      }),
    /** Adds the permissions a role does not have yet; returns the ids it added. */
    async insertRolePermissions(roleId: string, permissionIds: string[]): Promise<string[]> {
      if (permissionIds.length === 0) return [];
      const rows = await db('role_permissions')
        .insert(permissionIds.map((permissionId) => ({ role_id: roleId, permission_id: permissionId })))
        .onConflict(['role_id', 'permission_id'])
        .ignore()
        .returning('permission_id');
      return rows.map((row: { permission_id: string }) => row.permission_id);
    },
    deleteRolePermission: (roleId: string, permissionId: string) =>
      db('role_permissions').where({ role_id: roleId, permission_id: permissionId }).delete(),

    /** A subject holds a role once, so the role completes the key. */
    listAssignmentsOfSubjectPage: (kind: SubjectKind, subjectId: string, page: PageRequest) =>
      assignmentPage(assignmentView().where(`ra.${SUBJECT_COLUMN[kind]}`, subjectId), page, [{ column: 'role_id', uuid: true }]),
    listAssignmentsOfRole: (roleId: string): Promise<RoleAssignmentView[]> =>
      assignmentView().where('ra.role_id', roleId).orderBy([{ column: 'ra.created_at' }]),
    /** A client id is free text and could spell an account's or a group's uuid, so the kind is part of the key. */
    listAssignmentsOfRolePage: (roleId: string, page: PageRequest) =>
      assignmentPage(assignmentView().where('ra.role_id', roleId), page, [
        { column: 'subject_type', uuid: false },
        { column: 'subject_id', uuid: false },
      ]),
    /** Returns false when the subject already held the role. */
    async insertAssignment(roleId: string, kind: SubjectKind, subjectId: string): Promise<boolean> {
      const column = SUBJECT_COLUMN[kind];
      const rows = await db('role_assignments')
        .insert({ role_id: roleId, [column]: subjectId })
        .onConflict()
        .ignore()
        .returning('role_id');
      return rows.length > 0;
    },
    deleteAssignment: (roleId: string, kind: SubjectKind, subjectId: string) =>
      db('role_assignments').where({ role_id: roleId, [SUBJECT_COLUMN[kind]]: subjectId }).delete(),
  };
}

export type RoleQueries = ReturnType<typeof createRoleQueries>;
