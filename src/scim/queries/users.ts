import type { Knex } from 'knex';
import type { SqlFragment } from './filter.js';

/** A provisioned user: its mark (scim_users) joined with its account. */
export interface ScimUserRow {
  account_id: string;
  directory_id: string;
  user_name: string;
  external_id: string | null;
  resource: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  email: string;
  name: string | null;
  status: 'active' | 'disabled';
}

export interface ListRequest {
  filter?: SqlFragment;
  /** A column expression from columns.ts, never input. */
  sortBy?: string;
  descending?: boolean;
  offset: number;
  limit: number;
}

export interface UserWrite {
  userName: string;
  externalId: string | null;
  email: string;
  name: string | null;
  active: boolean;
  resource: Record<string, unknown>;
}

const USER_COLUMNS = ['su.account_id', 'su.directory_id', 'su.user_name', 'su.external_id', 'su.resource', 'su.created_at', 'su.updated_at', 'a.email', 'a.name', 'a.status'];

export function createUserQueries(db: Knex) {
  const users = (directoryId: string) =>
    db({ su: 'scim_users' }).join({ a: 'accounts' }, 'a.id', 'su.account_id').where('su.directory_id', directoryId);

  return {
    /** With `lock`, the row stays locked until the transaction ends (a read-modify-write). */
    async findUser(directoryId: string, accountId: string, lock = false): Promise<ScimUserRow | undefined> {
      const query = users(directoryId).where('su.account_id', accountId).first<ScimUserRow | undefined>(USER_COLUMNS);
      // NO KEY UPDATE: a concurrent group write may still reference the account (foreign-key share lock).
      return lock ? query.forNoKeyUpdate('su', 'a') : query;
    },

    async listUsers(directoryId: string, request: ListRequest): Promise<{ total: number; rows: ScimUserRow[] }> {
      const base = () => {
        const query = users(directoryId);
        if (request.filter) query.whereRaw(request.filter.sql, request.filter.bindings as Knex.RawBinding[]);
        return query;
      };
      const counted = await base().count<{ count: string | number }[]>({ count: '*' }).first();
      const total = Number(counted?.count ?? 0);
      if (request.limit === 0 || total === 0) return { total, rows: [] };
      const query = base().select(USER_COLUMNS);
      const direction = request.descending ? 'desc' : 'asc';
      if (request.sortBy) query.orderByRaw(`${request.sortBy} ${direction} nulls last`);
      query.orderBy([{ column: 'su.created_at', order: direction }, { column: 'su.account_id', order: direction }]);
      return { total, rows: (await query.offset(request.offset).limit(request.limit)) as ScimUserRow[] };
    },

    async insertUser(directoryId: string, accountId: string, user: UserWrite, at: Date): Promise<void> {
      await db('accounts').insert({ id: accountId, email: user.email, email_verified: false, name: user.name, status: user.active ? 'active' : 'disabled', password_hash: null, created_at: at, updated_at: at });
      await db('scim_users').insert({ account_id: accountId, directory_id: directoryId, user_name: user.userName, external_id: user.externalId, resource: JSON.stringify(user.resource), created_at: at, updated_at: at });
    },

    async updateUser(accountId: string, user: UserWrite, at: Date): Promise<void> {
      const current = await db('accounts').where({ id: accountId }).first<{ email: string } | undefined>('email');
      // A new address is not proven yet; the same address keeps its verification.
      const emailChanged = current !== undefined && current.email.toLowerCase() !== user.email.toLowerCase();
      await db('accounts')
        .where({ id: accountId })
        .update({ email: user.email, name: user.name, status: user.active ? 'active' : 'disabled', updated_at: at, ...(emailChanged ? { email_verified: false } : {}) });
      await db('scim_users').where({ account_id: accountId }).update({ user_name: user.userName, external_id: user.externalId, resource: JSON.stringify(user.resource), updated_at: at });
    },


    /** The groups of this directory each user belongs to, for the read-only `groups` attribute. */
    async groupsOfUsers(directoryId: string, accountIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
      const groups = new Map<string, { id: string; name: string }[]>();
      if (!accountIds.length) return groups;
      const rows: { account_id: string; id: string; name: string }[] = await db({ gm: 'group_members' })
        .join({ sg: 'scim_groups' }, 'sg.group_id', 'gm.group_id')
        .join({ g: 'groups' }, 'g.id', 'gm.group_id')
        .where('sg.directory_id', directoryId)
        .whereIn('gm.account_id', accountIds)
        .orderBy('g.name')
        .select('gm.account_id', 'g.id', 'g.name');
      for (const row of rows) groups.set(row.account_id, [...(groups.get(row.account_id) ?? []), { id: row.id, name: row.name }]);
      return groups;
    },

    /** Which of these ids are users of this directory. */
    async existingUserIds(directoryId: string, accountIds: string[]): Promise<Set<string>> {
      if (!accountIds.length) return new Set();
      const rows: { account_id: string }[] = await db('scim_users').where({ directory_id: directoryId }).whereIn('account_id', accountIds).select('account_id');
      return new Set(rows.map((row) => row.account_id));
    },

    /**
     * Writes mapped custom attribute values (string attributes only); null removes a value. Names
     * without a definition are skipped: the mapping may name attributes the operator has not defined.
     */
    async setAttributeValues(accountId: string, values: Record<string, string | null>, at: Date): Promise<void> {
      const names = Object.keys(values);
      if (!names.length) return;
      const definitions: { id: string; name: string }[] = await db('attribute_definitions').whereIn('name', names).where({ type: 'string' }).select('id', 'name');
      for (const definition of definitions) {
        const value = values[definition.name];
        if (value === null) {
          await db('account_attributes').where({ account_id: accountId, attribute_id: definition.id }).delete();
        } else {
          await db('account_attributes')
            .insert({ account_id: accountId, attribute_id: definition.id, value: JSON.stringify(value), updated_at: at })
            .onConflict(['account_id', 'attribute_id'])
            .merge(['value', 'updated_at']);
        }
      }
    },
  };
}

export type UserQueries = ReturnType<typeof createUserQueries>;
