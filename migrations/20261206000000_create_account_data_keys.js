// Per-account data keys for personal data inside audit events (docs/privacy.md, "Erasure").
// Each account's key is random, sealed under SERVER_SECRET. Personal fields of the account's events are
// encrypted under it before they are hashed into the chain; erasing the account sets sealed_key to null
// (a tombstone), which makes those fields unreadable while every event and its hash stay as they were.
// The tombstone stays so that a late event for the erased account is stored already erased, never
// under a fresh key. No foreign key: the row must outlive the account.
export async function up(knex) {
  for (const statement of [
    `create table account_data_keys (
      account_id text primary key,
      sealed_key text,
      created_at timestamptz not null,
      erased_at timestamptz,
      constraint account_data_keys_sealed_or_erased check ((sealed_key is null) = (erased_at is not null))
    )`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  await knex.raw(`drop table account_data_keys`);
}
