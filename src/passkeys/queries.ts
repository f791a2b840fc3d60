import type { Knex } from 'knex';

export interface PasskeyRow {
  id: string;
  account_id: string;
  /** base64url, as the browser and @simplewebauthn hand it over. */
  credential_id: string;
  /** base64url of the COSE public key. */
  public_key: string;
  sign_count: string | number;
  /** Space-separated AuthenticatorTransport values (hints for the browser). */
  transports: string;
  aaguid: string | null;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

export type NewPasskey = Omit<PasskeyRow, 'created_at' | 'last_used_at'>;

/** All SQL of passkeys: credentials and the random user handle of each account. */
export function createPasskeyQueries(db: Knex) {
  const passkeys = () => db<PasskeyRow>('passkeys');
  const handles = () => db<{ account_id: string; user_handle: string }>('passkey_user_handles');
  return {
    listPasskeysOfAccount: (accountId: string) => passkeys().where({ account_id: accountId }).orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id' }]),
    findPasskeyByCredentialId: (credentialId: string) => passkeys().where({ credential_id: credentialId }).first(),
    findPasskeyOfAccount: (accountId: string, id: string) => passkeys().where({ account_id: accountId, id }).first(),
    /** Inserts; false when the credential id is taken already (by this or another account). */
    async insertPasskey(row: NewPasskey, at: Date): Promise<boolean> {
      const inserted = await passkeys().insert({ ...row, created_at: at }).onConflict('credential_id').ignore().returning('id');
      return inserted.length === 1;
    },
    /**
     * Records a use: the new counter, backup state and time. For a strict credential the counter must
     * move forward in this same statement (0 rows otherwise), so two concurrent assertions carrying one
     * counter value cannot both pass; a tolerant one (synced) never moves its stored counter back.
     */
    recordPasskeyUse: (id: string, use: { signCount: number; backedUp: boolean; at: Date; strict: boolean }) =>
      passkeys()
        .where({ id })
        .where((query) => {
          if (!use.strict) return;
          query.where('sign_count', '<', use.signCount).orWhere((zero) => zero.where('sign_count', 0).andWhere(db.raw('?::bigint = 0', [use.signCount])));
        })
        .update({ sign_count: db.raw('greatest(sign_count, ?::bigint)', [use.signCount]) as never, backed_up: use.backedUp, last_used_at: use.at }),
    renamePasskey: (accountId: string, id: string, name: string) => passkeys().where({ account_id: accountId, id }).update({ name }),
    deletePasskey: (accountId: string, id: string) => passkeys().where({ account_id: accountId, id }).delete(),
    deletePasskeysOfAccount: (accountId: string) => passkeys().where({ account_id: accountId }).delete(),
    async countPasskeysOfAccount(accountId: string): Promise<number> {
      const row = await passkeys().where({ account_id: accountId }).count<{ count: string | number }[]>({ count: '*' }).first();
      return Number(row?.count ?? 0);
    },
    /**
     * What the offer after sign-in depends on, in one round trip (it runs on every sign-in): whether the
     * account has a passkey, and until when "Not now" holds the offer back, if it does.
     */
    findOfferState: async (accountId: string): Promise<{ hasPasskey: boolean; snoozedUntil?: Date }> => {
      const row = (await db
        .select(
          db.raw('exists (select 1 from passkeys where account_id = ?) as has_passkey', [accountId]),
          db.raw('(select snoozed_until from passkey_offer_snoozes where account_id = ?) as snoozed_until', [accountId]),
        )
        .first()) as { has_passkey: boolean; snoozed_until: Date | string | null };
      return { hasPasskey: row.has_passkey, snoozedUntil: row.snoozed_until ? new Date(row.snoozed_until) : undefined };
    },
    snoozeOffer: (accountId: string, until: Date) =>
      db('passkey_offer_snoozes').insert({ account_id: accountId, snoozed_until: until }).onConflict('account_id').merge(),
    findUserHandle: async (accountId: string) => (await handles().where({ account_id: accountId }).first())?.user_handle,
    findAccountIdByUserHandle: async (userHandle: string) => (await handles().where({ user_handle: userHandle }).first())?.account_id,
    /** Stores the handle unless the account has one already; returns the one in force. */
    async ensureUserHandle(accountId: string, candidate: string): Promise<string> {
      await handles().insert({ account_id: accountId, user_handle: candidate }).onConflict('account_id').ignore();
      return (await handles().where({ account_id: accountId }).first())!.user_handle;
    },
  };
}

export type PasskeyQueries = ReturnType<typeof createPasskeyQueries>;
