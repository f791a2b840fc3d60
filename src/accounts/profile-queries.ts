import type { Knex } from 'knex';
import type { AccountRow } from './queries.js';

/** Changes people make to their own accounts (sign-up, verification, reset, the account page). */
export function createProfileQueries(db: Knex) {
  const accounts = () => db<AccountRow>('accounts');
  const now = () => db.fn.now() as unknown as Date;
  return {
    /** Verifies the address only while it is still the account's, exactly as the link was sent to it. */
    markEmailVerified: (id: string, email: string) => accounts().where({ id, email }).update({ email_verified: true, updated_at: now() }),
    updateName: (id: string, name: string | null) => accounts().where({ id }).update({ name, updated_at: now() }),
    updateLocale: (id: string, locale: string | null) => accounts().where({ id }).update({ locale, updated_at: now() }),
    /** A new address proven by a mailed link is verified by that proof. */
    updateEmail: (id: string, email: string) => accounts().where({ id }).update({ email, email_verified: true, updated_at: now() }),
    setPassword: (id: string, passwordHash: string) => accounts().where({ id }).update({ password_hash: passwordHash, updated_at: now() }),
    /** A passwordless account: it signs in with passkeys only (docs/passkeys.md). */
    clearPassword: (id: string) => accounts().where({ id }).update({ password_hash: null, updated_at: now() }),
    /**
     * Sets a password chosen after proving control of `provenEmail` (a reset link): that proof also
     * verifies the address, and it ends a brute-force lockout.
     */
    setPasswordAfterReset: (id: string, passwordHash: string, provenEmail: string) =>
      accounts()
        .where({ id })
        .update({
          password_hash: passwordHash,
          locked_at: null,
          email_verified: db.raw('email_verified or email = ?', [provenEmail]) as unknown as boolean,
          updated_at: now(),
        }),
  };
}

export type ProfileQueries = ReturnType<typeof createProfileQueries>;
