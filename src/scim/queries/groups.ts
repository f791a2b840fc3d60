import type { Knex } from 'knex';
import type { ListRequest } from './users.js';

export interface ScimGroupRow {
  group_id: string;
  directory_id: string;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
  name: string;
}

export interface GroupMemberRow {
  account_id: string;
  user_name: string;
}

const GROUP_COLUMNS = ['sg.group_id', 'sg.directory_id', 'sg.external_id', 'sg.created_at', 'sg.updated_at', 'g.name'];

export function createGroupQueries(db: Knex) {
  const groups = (directoryId: string) => db({ sg: 'scim_groups' }).join({ g: 'groups' }, 'g.id', 'sg.group_id').where('sg.directory_id', directoryId);

  return {
    async findGroup(directoryId: string, groupId: string, lock = false): Promise<ScimGroupRow | undefined> {
      const query = groups(directoryId).where('sg.group_id', groupId).first<ScimGroupRow | undefined>(GROUP_COLUMNS);
      return lock ? query.forNoKeyUpdate('sg', 'g') : query;
    },

    async listGroups(directoryId: string, request: ListRequest): Promise<{ total: number; rows: ScimGroupRow[] }> {
      const base = () => {
        const query = groups(directoryId);
        if (request.filter) query.whereRaw(request.filter.sql, request.filter.bindings as Knex.RawBinding[]);
        return query;
      };
      const counted = await base().count<{ count: string | number }[]>({ count: '*' }).first();
      const total = Number(counted?.count ?? 0);
      if (request.limit === 0 || total === 0) return { total, rows: [] };
      const direction = request.descending ? 'desc' : 'asc';
      const query = base().select(GROUP_COLUMNS);
      if (request.sortBy) query.orderByRaw(`${request.sortBy} ${direction} nulls last`);
      query.orderBy([{ column: 'sg.created_at', order: direction }, { column: 'sg.group_id', order: direction }]);
      return { total, rows: (await query.offset(request.offset).limit(request.limit)) as ScimGroupRow[] };
    },

    /** Whether another group (of any source) already has this name; names are unique on the server. */
    async groupNameTaken(name: string, exceptId?: string): Promise<boolean> {
      const query = db('groups').whereRaw('lower(name) = lower(?)', [name]);
      if (exceptId) query.whereNot({ id: exceptId });
      return (await query.first('id')) !== undefined;
    },

    async insertGroup(directoryId: string, groupId: string, group: { name: string; externalId: string | null }, at: Date): Promise<void> {
      await db('groups').insert({ id: groupId, name: group.name, description: null, created_at: at, updated_at: at });
      await db('scim_groups').insert({ group_id: groupId, directory_id: directoryId, external_id: group.externalId, created_at: at, updated_at: at });
    },

    async updateGroup(groupId: string, group: { name: string; externalId: string | null }, at: Date): Promise<void> {
      await db('groups').where({ id: groupId }).update({ name: group.name, updated_at: at });
      await db('scim_groups').where({ group_id: groupId }).update({ external_id: group.externalId, updated_at: at });
    },

    deleteGroup: (groupId: string) => db('groups').where({ id: groupId }).delete(),

    /** The account members of each group, by user name (SCIM members are users of the directory). */
    async membersOf(groupIds: string[]): Promise<Map<string, GroupMemberRow[]>> {
      const members = new Map<string, GroupMemberRow[]>();
      if (!groupIds.length) return members;
      const rows: (GroupMemberRow & { group_id: string })[] = await db({ gm: 'group_members' })
        .join({ su: 'scim_users' }, 'su.account_id', 'gm.account_id')
        .whereIn('gm.group_id', groupIds)
        .orderBy([{ column: 'gm.created_at' }, { column: 'gm.account_id' }])
        .select('gm.group_id', 'gm.account_id', 'su.user_name');
      for (const row of rows) members.set(row.group_id, [...(members.get(row.group_id) ?? []), { account_id: row.account_id, user_name: row.user_name }]);
      return members;
    },

    async addMembers(groupId: string, accountIds: string[]): Promise<number> {
      if (!accountIds.length) return 0;
      const inserted = await db('group_members')
        .insert(accountIds.map((accountId) => ({ group_id: groupId, account_id: accountId })))
        .onConflict(db.raw('(group_id, account_id) where account_id is not null'))
        .ignore()
        .returning('account_id');
      return inserted.length;
    },

    async removeMembers(groupId: string, accountIds: string[]): Promise<number> {
      if (!accountIds.length) return 0;
      return db('group_members').where({ group_id: groupId }).whereIn('account_id', accountIds).delete();
    },
  };
}

export type GroupQueries = ReturnType<typeof createGroupQueries>;
