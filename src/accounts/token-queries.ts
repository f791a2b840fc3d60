import type { Knex } from 'knex';

/** `cancel_email_change` is mailed to the current address with the notice of a requested change. */
export type TokenPurpose = 'verify_email' | 'reset_password' | 'change_email' | 'cancel_email_change';

/** A pending email change: the confirmation link to the new address and the cancel link to the old one. */
export const EMAIL_CHANGE_LINKS: TokenPurpose[] = ['change_email', 'cancel_email_change'];
/** Every kind of mailed link. */
export const ALL_LINKS: TokenPurpose[] = ['verify_email', 'reset_password', 'change_email', 'cancel_email_change'];

export interface AccountTokenRow {
  id: string;
  account_id: string;
  purpose: TokenPurpose;
  token_hash: string;
  email: string;
  return_path: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export function createAccountTokenQueries(db: Knex) {
  const tokens = () => db<AccountTokenRow>('account_tokens');
  return {
    /**
     * Inserts the token if its account exists, in one statement either way: a decoy issue (for an
     * address with no account) runs the same statement and writes nothing.
     */
    insertAccountToken: (row: Omit<AccountTokenRow, 'used_at' | 'revoked_at'>) =>
      db.raw(
        `insert into account_tokens (id, account_id, purpose, token_hash, email, return_path, created_at, expires_at)
         select ?::uuid, ?::uuid, ?, ?, ?, ?, ?::timestamptz, ?::timestamptz
         where exists (select 1 from accounts where id = ?::uuid)`,
        [row.id, row.account_id, row.purpose, row.token_hash, row.email, row.return_path, row.created_at, row.expires_at, row.account_id],
      ),
    findAccountTokenByHash: (tokenHash: string) => tokens().where({ token_hash: tokenHash }).first(),
    /** Revokes every open token of these purposes for the account (a newer one, or a password change). */
    revokeOpenTokens: (accountId: string, purposes: TokenPurpose[], at: Date) =>
      tokens().where({ account_id: accountId }).whereIn('purpose', purposes).whereNull('used_at').whereNull('revoked_at').update({ revoked_at: at }),
    /**
     * Uses a token in one conditional UPDATE: of two concurrent uses exactly one gets the row back.
     */
    async useAccountToken(tokenHash: string, purpose: TokenPurpose, at: Date): Promise<AccountTokenRow | undefined> {
      const [row] = await tokens()
        .where({ token_hash: tokenHash, purpose })
        .whereNull('used_at')
        .whereNull('revoked_at')
        .where('expires_at', '>', at)
        .update({ used_at: at })
        .returning('*');
      return row as AccountTokenRow | undefined;
    },
    purgeAccountTokens: (before: Date) => tokens().where('expires_at', '<', before).delete(),
  };
}

export type AccountTokenQueries = ReturnType<typeof createAccountTokenQueries>;
