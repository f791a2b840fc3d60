import type { Knex } from 'knex';
import { keysetPage, type PageRequest } from '../storage/pagination.js';

export interface AccountRow {
  id: string;
  email: string;
  email_verified: boolean;
  password_hash: string | null;
  name: string | null;
  status: 'active' | 'disabled';
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
  locked_at: Date | null;
  /** The language the person chose for pages and mails (a catalog tag), or null. */
  locale?: string | null;
}

export type NewAccount = Pick<AccountRow, 'id' | 'email' | 'email_verified' | 'password_hash' | 'name'>;

export function createAccountQueries(db: Knex) {
  const accounts = () => db<AccountRow>('accounts');
  return {
    findAccountById: (id: string) => accounts().where({ id }).first(),
    findAccountByEmail: (email: string) => accounts().whereRaw('lower(email) = lower(?)', [email]).first(),
    async insertAccount(account: NewAccount): Promise<AccountRow> {
      const [row] = await accounts().insert(account).returning('*');
      return row as AccountRow;
    },
    updateAccountStatus: (id: string, status: AccountRow['status']) =>
      accounts().where({ id }).update({ status, updated_at: db.fn.now() as unknown as Date }),
    updatePasswordHash: (id: string, passwordHash: string) =>
      accounts().where({ id }).update({ password_hash: passwordHash, updated_at: db.fn.now() as unknown as Date }),
    recordLogin: (id: string, at: Date) => accounts().where({ id }).update({ last_login_at: at }),
    lockAccount: (id: string, at: Date) => accounts().where({ id }).whereNull('locked_at').update({ locked_at: at }),
    unlockAccount: (id: string) => accounts().where({ id }).whereNotNull('locked_at').update({ locked_at: null }),
    listLockedAccounts: () => accounts().whereNotNull('locked_at').orderBy([{ column: 'locked_at' }, { column: 'id' }]),
    listAccountsPage(page: PageRequest, filter: { email?: string; locked?: boolean } = {}) {
      const query = accounts().select('accounts.*');
      if (filter.email) query.whereRaw('lower(email) = lower(?)', [filter.email]);
      if (filter.locked !== undefined) query[filter.locked ? 'whereNotNull' : 'whereNull']('locked_at');
      return keysetPage<AccountRow>(db, query, { ...page, table: 'accounts' });
    },
    async updateAccount(id: string, changes: Partial<Pick<AccountRow, 'email' | 'name' | 'email_verified' | 'status'>>): Promise<AccountRow | undefined> {
      const [row] = await accounts().where({ id }).update({ ...changes, updated_at: db.fn.now() as unknown as Date }).returning('*');
      return row as AccountRow | undefined;
    },
    deleteAccount: (id: string) => accounts().where({ id }).delete(),
    async countAccounts(): Promise<number> {
      const row = await accounts().count<{ count: string | number }[]>({ count: '*' }).first();
      return Number(row?.count ?? 0);
    },
  };
}

export type AccountQueries = ReturnType<typeof createAccountQueries>;
