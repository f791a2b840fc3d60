// Self-service deletion with a grace period (ACCOUNT_DELETION_GRACE_DAYS, docs/privacy.md): the account
// is marked pending deletion here until `erase_after`; a sign-in before then deletes the row (cancels),
// and the background job erases the account after it. The row goes with the account (cascade).
// Inactive accounts (ACCOUNT_INACTIVE_DAYS): when the warning mail went out, so that the deletion
// follows only after the further period and a sign-in in between starts the count again.
export async function up(knex) {
  for (const statement of [
    `create table account_deletion_requests (
      account_id uuid primary key references accounts (id) on delete cascade,
      requested_at timestamptz not null,
      erase_after timestamptz not null
    )`,
    `create index account_deletion_requests_erase_after on account_deletion_requests (erase_after)`,
    `create table account_inactivity_warnings (
      account_id uuid primary key references accounts (id) on delete cascade,
      warned_at timestamptz not null
    )`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [`drop table account_inactivity_warnings`, `drop table account_deletion_requests`]) {
    await knex.raw(statement);
  }
}
