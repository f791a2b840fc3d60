import type { Knex } from 'knex';

export interface DeletionRequestRow {
  account_id: string;
  requested_at: Date;
  erase_after: Date;
}

/** SQL of scheduled self-service deletions (migrations/20261206133000_create_account_deletion_requests.js). */
export function createDeletionRequestQueries(db: Knex) {
  const requests = () => db<DeletionRequestRow>('account_deletion_requests');
  return {
    findRequest: (accountId: string) => requests().where({ account_id: accountId }).first(),

    /** Schedules (or keeps) the account's deletion; a repeated request keeps the first date. */
    async insertRequest(row: DeletionRequestRow): Promise<DeletionRequestRow> {
      await requests().insert(row).onConflict('account_id').ignore();
      return (await requests().where({ account_id: row.account_id }).first())!;
    },

    /** Cancels; true only for the caller that removed the row (one audit event per cancellation). */
    deleteRequest: async (accountId: string): Promise<boolean> => (await requests().where({ account_id: accountId }).delete()) > 0,

    /** Inside the erasure's transaction: whether the request still stands, locking it until commit. */
    lockRequest: async (trx: Knex.Transaction, accountId: string): Promise<boolean> =>
      Boolean(await trx('account_deletion_requests').where({ account_id: accountId }).forUpdate().first()),

    listDue: (now: Date, limit: number): Promise<DeletionRequestRow[]> =>
      requests().where('erase_after', '<=', now).orderBy([{ column: 'erase_after' }, { column: 'account_id' }]).limit(limit),
  };
}

export type DeletionRequestQueries = ReturnType<typeof createDeletionRequestQueries>;
