// "Not now" on the sign-in's offer to add a passkey (docs/passkeys.md): the offer waits until
// `snoozed_until` for this account. Goes with the account.
export async function up(knex) {
  await knex.raw(`create table passkey_offer_snoozes (
    account_id uuid primary key references accounts (id) on delete cascade,
    snoozed_until timestamptz not null
  )`);
}

export async function down(knex) {
  await knex.raw('drop table passkey_offer_snoozes');
}
