import type { Knex } from 'knex';

/** Who a permission question is about: a person's account, or a machine client acting for itself. */
export type Subject = { type: 'account'; id: string } | { type: 'client'; id: string };

export interface HeldPermissionRow {
  resource: string;
  permission: string;
  role: string;
  /** The group through which the role is held, or null when held directly. */
  via_group: string | null;
}

export interface HeldObjectGrantRow {
  resource: string;
  permission: string;
  object_type: string;
  object_id: string;
  via_group: string | null;
}

/**
 * The groups an account belongs to, directly or through nested groups. UNION (not UNION ALL) drops
 * rows already produced, so the walk ends even if a loop existed in the data. One `?`: the account.
 */
const MEMBER_OF = `member_of(group_id) as (
  select group_id from group_members where account_id = ?
  union
  select gm.group_id from group_members gm join member_of m on gm.member_group_id = m.group_id
)`;

/** Roles held directly or through any group of MEMBER_OF. One `?`: the account. */
const HELD_ROLES = `held(role_id, group_id) as (
  select role_id, null::uuid from role_assignments where account_id = ?
  union all
  select ra.role_id, ra.group_id from role_assignments ra join member_of m on ra.group_id = m.group_id
)`;

const rowsOf = <T>(result: { rows: T[] }) => result.rows;

/** Effective permissions in SQL: one round trip per question, no cache (token issuance reads these). */
export function createAccessQueries(db: Knex) {
  return {
    async findPermissionNames(subject: Subject, resourceIdentifier: string): Promise<string[]> {
      const result =
        subject.type === 'account'
          ? await db.raw(
              `with recursive ${MEMBER_OF}, ${HELD_ROLES}
               select distinct p.name from held h
               join role_permissions rp on rp.role_id = h.role_id
               join permissions p on p.id = rp.permission_id
               join api_resources r on r.id = p.resource_id
               where r.identifier = ? order by p.name`,
              [subject.id, subject.id, resourceIdentifier],
            )
          : await db.raw(
              `select distinct p.name from role_assignments ra
               join role_permissions rp on rp.role_id = ra.role_id
               join permissions p on p.id = rp.permission_id
               join api_resources r on r.id = p.resource_id
               where ra.client_id = ? and r.identifier = ? order by p.name`,
              [subject.id, resourceIdentifier],
            );
      return rowsOf<{ name: string }>(result).map((row) => row.name);
    },

    async findGroupNames(accountId: string): Promise<string[]> {
      const result = await db.raw(
        `with recursive ${MEMBER_OF} select g.name from member_of m join groups g on g.id = m.group_id order by g.name`,
        [accountId],
      );
      return rowsOf<{ name: string }>(result).map((row) => row.name);
    },

    /** Whether any group of the account, direct or through nesting, requires a second factor. */
    async anyGroupRequiresMfa(accountId: string): Promise<boolean> {
      const result = await db.raw(
        `with recursive ${MEMBER_OF} select 1 from member_of m join groups g on g.id = m.group_id where g.require_mfa limit 1`,
        [accountId],
      );
      return rowsOf(result).length > 0;
    },

    /** Whether any group of the account, direct or through nesting, requires a passkey sign-in. */
    async anyGroupRequiresPhishingResistant(accountId: string): Promise<boolean> {
      const result = await db.raw(
        `with recursive ${MEMBER_OF} select 1 from member_of m join groups g on g.id = m.group_id where g.require_phishing_resistant limit 1`,
        [accountId],
      );
      return rowsOf(result).length > 0;
    },

    async findRoleNames(accountId: string): Promise<string[]> {
      const result = await db.raw(
        `with recursive ${MEMBER_OF}, ${HELD_ROLES} select distinct r.name from held h join roles r on r.id = h.role_id order by r.name`,
        [accountId, accountId],
      );
      return rowsOf<{ name: string }>(result).map((row) => row.name);
    },

    async findHeldPermissions(subject: Subject): Promise<HeldPermissionRow[]> {
      const select = `select r.identifier as resource, p.name as permission, ro.name as role, g.name as via_group
        from held h
        join roles ro on ro.id = h.role_id
        join role_permissions rp on rp.role_id = h.role_id
        join permissions p on p.id = rp.permission_id
        join api_resources r on r.id = p.resource_id
        left join groups g on g.id = h.group_id`;
      if (subject.type === 'account') {
        return rowsOf<HeldPermissionRow>(await db.raw(`with recursive ${MEMBER_OF}, ${HELD_ROLES} ${select}`, [subject.id, subject.id]));
      }
      return rowsOf<HeldPermissionRow>(
        await db.raw(`with held(role_id, group_id) as (select role_id, null::uuid from role_assignments where client_id = ?) ${select}`, [subject.id]),
      );
    },

    async findHeldObjectGrants(accountId: string): Promise<HeldObjectGrantRow[]> {
      const result = await db.raw(
        `with recursive ${MEMBER_OF}
         select r.identifier as resource, p.name as permission, og.object_type, og.object_id, g.name as via_group
         from object_grants og
         join permissions p on p.id = og.permission_id
         join api_resources r on r.id = p.resource_id
         left join groups g on g.id = og.group_id
         where og.account_id = ? or og.group_id in (select group_id from member_of)`,
        [accountId, accountId],
      );
      return rowsOf<HeldObjectGrantRow>(result);
    },

    /** Whether the subject exists and may act: an active account, or a registered client. */
    async isActiveSubject(subject: Subject): Promise<boolean> {
      const row =
        subject.type === 'account'
          ? await db('accounts').where({ id: subject.id, status: 'active' }).first('id')
          : await db('clients').where({ client_id: subject.id }).first('client_id');
      return Boolean(row);
    },

    /** Changes on every write to the RBAC tables (a trigger bumps it), in any process. */
    async readGeneration(): Promise<string> {
      const row = await db('rbac_state').where({ id: 1 }).first('generation');
      return String(row?.generation ?? '0');
    },
  };
}

export type AccessQueries = ReturnType<typeof createAccessQueries>;
