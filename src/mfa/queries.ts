import type { Knex } from 'knex';

export interface TotpRow {
  account_id: string;
  secret_sealed: string;
  confirmed_at: Date | null;
  last_time_step: string | number | null;
  created_at: Date;
}

export function createMfaQueries(db: Knex) {
  const totp = () => db<TotpRow>('mfa_totp');
  const codes = () => db('mfa_recovery_codes');
  return {
    findTotp: (accountId: string) => totp().where({ account_id: accountId }).first(),
    /** Starts (or restarts) an unconfirmed enrollment; a confirmed factor is never overwritten here. */
    async upsertPendingTotp(accountId: string, secretSealed: string): Promise<void> {
      await totp().where({ account_id: accountId }).whereNull('confirmed_at').delete();
      await totp().insert({ account_id: accountId, secret_sealed: secretSealed }).onConflict('account_id').ignore();
    },
    confirmTotp: (accountId: string, at: Date, timeStep: number) =>
      totp().where({ account_id: accountId }).whereNull('confirmed_at').update({ confirmed_at: at, last_time_step: timeStep }),
    /**
     * Records the accepted step only if it is newer than the stored one, in one statement, so two
     * concurrent submissions of one code cannot both succeed.
     */
    advanceTimeStep: (accountId: string, timeStep: number) =>
      totp()
        .where({ account_id: accountId })
        .whereNotNull('confirmed_at')
        .where((query) => query.whereNull('last_time_step').orWhere('last_time_step', '<', timeStep))
        .update({ last_time_step: timeStep }),
    deleteTotp: (accountId: string) => totp().where({ account_id: accountId }).delete(),
    async replaceRecoveryCodes(accountId: string, hashes: string[]): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('mfa_recovery_codes').where({ account_id: accountId }).delete();
        if (hashes.length) await trx('mfa_recovery_codes').insert(hashes.map((code_hash) => ({ account_id: accountId, code_hash })));
      });
    },
    /** Marks one unused code used; returns how many rows changed (1 on success, 0 if unknown or spent). */
    useRecoveryCode: (accountId: string, hashes: string[], at: Date) =>
      codes().where({ account_id: accountId }).whereIn('code_hash', hashes).whereNull('used_at').update({ used_at: at }),
    async countUnusedRecoveryCodes(accountId: string): Promise<number> {
      const row = await codes().where({ account_id: accountId }).whereNull('used_at').count<{ count: string | number }[]>({ count: '*' }).first();
      return Number(row?.count ?? 0);
    },
    /** When the current set of recovery codes was issued (null without codes), for the account export. */
    async recoveryCodesIssuedAt(accountId: string): Promise<Date | null> {
      const row = await codes().where({ account_id: accountId }).min<{ issued: Date | null }[]>({ issued: 'created_at' }).first();
      return row?.issued ?? null;
    },
    deleteRecoveryCodes: (accountId: string) => codes().where({ account_id: accountId }).delete(),
  };
}

export type MfaQueries = ReturnType<typeof createMfaQueries>;
