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

/** Filters of the account list (admin API `GET /accounts`); all of them apply together. */
export interface AccountFilter {
  /** Exact email, case-insensitive. */
  email?: string;
  locked?: boolean;
  /** An email starting with it, or a name with words starting with each of its words. */
  search?: string;
  /** One attribute's value, case-insensitive; for a list attribute, one of its items (exact). */
  attribute?: { id: string; value: string; list: boolean };
}

/** LIKE's wildcards and its escape, taken literally. */
const likePrefix = (text: string) => `${text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
/** The words of a name search as a prefix tsquery ('jan:* & smi:*'): letters and digits only, so no tsquery syntax gets through. */
const namePrefixQuery = (text: string) => (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8).map((word) => `${word}:*`).join(' & ');

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
    /**
     * A page of accounts in creation order. Every filter is served by an index
     * (migrations/*_index_account_search.js), so a search stays fast at 100,000 accounts.
     */
    listAccountsPage(page: PageRequest, filter: AccountFilter = {}) {
      const query = accounts().select('accounts.*');
      const searching = Boolean(filter.search || filter.attribute);
      if (filter.email) query.whereRaw('lower(email) = lower(?)', [filter.email]);
      if (filter.locked !== undefined) query[filter.locked ? 'whereNotNull' : 'whereNull']('locked_at');
      if (filter.search) {
        const words = namePrefixQuery(filter.search);
        // The expressions match the indexes' exactly, or the planner cannot use them.
        query.where((either) => {
          either.whereRaw('lower(email) like ?', [likePrefix(filter.search!)]);
          if (words) either.orWhereRaw(`to_tsvector('simple', coalesce(name, '')) @@ to_tsquery('simple', ?)`, [words]);
        });
      }
      if (filter.attribute) {
        const { id, value, list } = filter.attribute;
        query.whereExists((values) => {
          values.select(db.raw('1')).from('account_attributes').whereRaw('account_attributes.account_id = accounts.id').where('account_attributes.attribute_id', id);
          if (list) values.whereRaw('account_attributes.value @> jsonb_build_array(?::text)', [value]);
          else values.whereRaw(`lower(account_attributes.value #>> '{}') = lower(?)`, [value]);
        });
      }
      if (!searching) return keysetPage<AccountRow>(db, query, { ...page, table: 'accounts' });
      // A search finds its matches first (through its indexes), then orders them. Left to itself, the
      // planner would walk the (created_at, id) index hoping for early matches, and read every account
      // when there are few or none; the materialized CTE is the fence that stops it.
      return keysetPage<AccountRow>(db, db.withMaterialized('matches', query).from('matches').select('matches.*'), { ...page, table: 'matches' });
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
