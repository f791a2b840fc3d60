import type { Knex } from 'knex';

/** SQL of erasing one account: everything in one transaction, so the account is whole or gone. */
export function createErasureQueries(db: Knex) {
  return {
    transaction: <T>(work: (trx: Knex.Transaction) => Promise<T>) => db.transaction(work),

    /**
     * Deletes the account and what hangs on it. Tables that reference accounts cascade (factors,
     * attribute values, upstream identities, links, memberships, role assignments); the session index
     * and the mail queue name the account without a foreign key, so they are cleared here.
     * Returns false when the account is already gone.
     */
    async deleteAccountData(trx: Knex.Transaction, account: { id: string; email: string }): Promise<boolean> {
      await trx('browser_sessions').where({ account_id: account.id }).delete();
      await trx('grant_index').where({ account_id: account.id }).delete();
      await trx('mail_outbox').whereRaw('lower(recipient) = lower(?)', [account.email]).delete();
      return (await trx('accounts').where({ id: account.id }).delete()) > 0;
    },
  };
}

export type ErasureQueries = ReturnType<typeof createErasureQueries>;
