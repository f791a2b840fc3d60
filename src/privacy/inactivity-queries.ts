import type { Knex } from 'knex';

/**
 * SQL of deleting inactive accounts (ACCOUNT_INACTIVE_DAYS). An account's last activity is its last
 * sign-in, or its creation when it never signed in. The warning row goes with the account (cascade).
 */
export function createInactivityQueries(db: Knex) {
  const lastActivity = db.raw('coalesce(accounts.last_login_at, accounts.created_at)');
  return {
    /** Accounts idle since before `before`, not yet warned and not already waiting for a deletion they asked for. */
    listIdleUnwarned: (before: Date, limit: number): Promise<{ id: string; email: string }[]> =>
      db('accounts')
        .select('accounts.id', 'accounts.email')
        .where(lastActivity, '<', before)
        .whereNotExists(db('account_inactivity_warnings').whereRaw('account_inactivity_warnings.account_id = accounts.id'))
        .whereNotExists(db('account_deletion_requests').whereRaw('account_deletion_requests.account_id = accounts.id'))
        .orderBy('accounts.id')
        .limit(limit),

    /** True only for the instance that inserted it, so two instances running the job at once warn once. */
    insertWarning: async (accountId: string, at: Date): Promise<boolean> =>
      (await db('account_inactivity_warnings').insert({ account_id: accountId, warned_at: at }).onConflict('account_id').ignore().returning('account_id')).length > 0,

    /** Warned before `warnedBefore`, with no sign-in since the warning. */
    listWarnedDue: (warnedBefore: Date, limit: number): Promise<{ account_id: string }[]> =>
      db('account_inactivity_warnings')
        .join('accounts', 'accounts.id', 'account_inactivity_warnings.account_id')
        .select('account_inactivity_warnings.account_id')
        .where('account_inactivity_warnings.warned_at', '<', warnedBefore)
        .where(lastActivity, '<', db.ref('account_inactivity_warnings.warned_at'))
        .orderBy('account_inactivity_warnings.account_id')
        .limit(limit),

    /** Inside the erasure's transaction: the warning still stands (no sign-in cleared it), locked until commit. */
    lockWarning: async (trx: Knex.Transaction, accountId: string): Promise<boolean> =>
      Boolean(await trx('account_inactivity_warnings').where({ account_id: accountId }).forUpdate().first()),

    /**
     * A sign-in (any method, federation included, which does not touch last_login_at elsewhere)
     * restarts the count: the last sign-in is now, and the warning is withdrawn.
     */
    async recordSignIn(accountId: string, at: Date): Promise<void> {
      await db('accounts').where({ id: accountId }).update({ last_login_at: at });
      await db('account_inactivity_warnings').where({ account_id: accountId }).delete();
    },
  };
}

export type InactivityQueries = ReturnType<typeof createInactivityQueries>;
