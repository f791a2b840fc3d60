import type { Knex } from 'knex';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  public_jwk: Record<string, unknown>;
  private_jwk_sealed: string;
  created_at: Date;
  retired_at: Date | null;
  remove_after: Date | null;
}

export function createKeyQueries(db: Knex) {
  const keys = () => db<SigningKeyRow>('signing_keys');
  const secrets = () => db<{ name: string; sealed_value: string }>('provider_secrets');
  return {
    /** Keys still published in JWKS at `now`, newest first. */
    listPublishedKeys: (now: Date) =>
      keys()
        .where((query) => query.whereNull('remove_after').orWhere('remove_after', '>', now))
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'kid', order: 'desc' }]),
    insertSigningKey: (row: Omit<SigningKeyRow, 'created_at' | 'retired_at' | 'remove_after'> & { created_at: Date }) =>
      keys().insert(row),
    retireActiveKeys: (alg: string, exceptKid: string, now: Date, removeAfter: Date) =>
      keys()
        .where({ alg })
        .whereNot({ kid: exceptKid })
        .whereNull('retired_at')
        .update({ retired_at: now, remove_after: removeAfter }),
    findSecret: async (name: string) => (await secrets().where({ name }).first())?.sealed_value,
    /** Inserts unless another instance won the race; either way the stored value is returned. */
    async insertSecretOnce(name: string, sealedValue: string): Promise<string> {
      await secrets().insert({ name, sealed_value: sealedValue }).onConflict('name').ignore();
      const stored = await secrets().where({ name }).first();
      return stored!.sealed_value;
    },
  };
}

export type KeyQueries = ReturnType<typeof createKeyQueries>;
