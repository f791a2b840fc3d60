import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../../storage/pagination.js';

export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  require_mfa: boolean;
  require_phishing_resistant: boolean;
  created_at: Date;
  updated_at: Date;
}

export type MemberKind = 'account' | 'group';

export interface MemberView {
  type: MemberKind;
  id: string;
  /** The account's email or the group's name. */
  name: string;
  added_at: Date;
}

/** Guards recursive walks against a cycle that slipped past the write-time check. */
export const MAX_GROUP_DEPTH = 64;

export function createGroupQueries(db: Knex) {
  const groups = () => db<GroupRow>('groups');
  return {
    findGroupById: (id: string) => groups().where({ id }).first(),
    findGroupByName: (name: string) => groups().whereRaw('lower(name) = lower(?)', [name]).first(),
    listGroupsPage: (page: PageRequest) => keysetPage<GroupRow>(db, groups().select('groups.*'), { ...page, table: 'groups' }),
    async insertGroup(row: Omit<GroupRow, 'created_at' | 'updated_at'>): Promise<GroupRow> {
      const [inserted] = await groups().insert(row).returning('*');
      return inserted as GroupRow;
    },
    async updateGroup(id: string, changes: Partial<Pick<GroupRow, 'name' | 'description' | 'require_mfa' | 'require_phishing_resistant'>>) {
      const [updated] = await groups().where({ id }).update({ ...changes, updated_at: db.fn.now() as unknown as Date }).returning('*');
      return updated as GroupRow | undefined;
    },
    deleteGroup: (id: string) => groups().where({ id }).delete(),

    /** In the order they joined; an account and a group are told apart by kind, then id. */
    listMembersPage(groupId: string, page: PageRequest) {
      const members = db('group_members as gm')
        .leftJoin('accounts as a', 'a.id', 'gm.account_id')
        .leftJoin('groups as g', 'g.id', 'gm.member_group_id')
        .where('gm.group_id', groupId)
        .select(
          db.raw(`case when gm.account_id is not null then 'account' else 'group' end as type`),
          db.raw('coalesce(gm.account_id, gm.member_group_id) as id'),
          db.raw('coalesce(a.email, g.name) as name'),
          'gm.created_at as added_at',
        );
      return keysetPage<MemberView>(db, db.from(members.as('v')).select('v.*'), {
        ...page, table: 'v', createdAt: 'added_at', keys: [{ column: 'type', uuid: false }, { column: 'id', uuid: true }],
      });
    },
    /** Returns false when it already was a member. */
    async insertMember(groupId: string, kind: MemberKind, memberId: string): Promise<boolean> {
      const rows = await db('group_members')
        .insert({ group_id: groupId, ...(kind === 'account' ? { account_id: memberId } : { member_group_id: memberId }) })
        .onConflict()
        .ignore()
        .returning('group_id');
      return rows.length > 0;
    },
    deleteMember: (groupId: string, kind: MemberKind, memberId: string) =>
      db('group_members').where({ group_id: groupId, [kind === 'account' ? 'account_id' : 'member_group_id']: memberId }).delete(),

    /**
     * Whether `ancestorId` is `groupId` itself or a group that (transitively) contains it. Adding
     * `ancestorId` as a member of `groupId` would then close a loop.
     */
    async isGroupWithin(groupId: string, ancestorId: string): Promise<boolean> {
      const result = await db.raw(
        `with recursive containers(id, depth) as (
           select ?::uuid, 0
           union
           select gm.group_id, c.depth + 1 from group_members gm join containers c on gm.member_group_id = c.id where c.depth < ?
         )
         select exists (select 1 from containers where id = ?::uuid) as found`,
        [groupId, MAX_GROUP_DEPTH, ancestorId],
      );
      return Boolean((result.rows as { found: boolean }[])[0]?.found);
    },
    /** Serialises membership changes between groups, so two concurrent additions cannot make a loop. */
    lockGroupGraph: () => db.raw('lock table group_members in share row exclusive mode'),
    /** The groups an account is a direct member of, in the order it joined them. */
    listGroupsOfAccountPage(accountId: string, page: PageRequest) {
      const memberships = db('group_members as gm').join('groups as g', 'g.id', 'gm.group_id').where('gm.account_id', accountId).select('g.*', 'gm.created_at as added_at');
      return keysetPage<GroupRow & { added_at: Date }>(db, db.from(memberships.as('v')).select('v.*'), { ...page, table: 'v', createdAt: 'added_at' });
    },
  };
}

export type GroupQueries = ReturnType<typeof createGroupQueries>;
