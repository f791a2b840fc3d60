// The notice of a requested email change, mailed to the current address, carries a link that cancels
// the change: a fourth kind of single-use link.
export async function up(knex) {
  for (const statement of [
    `alter table account_tokens drop constraint account_tokens_purpose_check`,
    `alter table account_tokens add constraint account_tokens_purpose_check
      check (purpose in ('verify_email', 'reset_password', 'change_email', 'cancel_email_change'))`,
  ]) {
    await knex.raw(statement);
  }
}

// Cancel links cannot exist in the release before this one; they are dropped with the kind.
export async function down(knex) {
  for (const statement of [
    `delete from account_tokens where purpose = 'cancel_email_change'`,
    `alter table account_tokens drop constraint account_tokens_purpose_check`,
    `alter table account_tokens add constraint account_tokens_purpose_check
      check (purpose in ('verify_email', 'reset_password', 'change_email'))`,
  ]) {
    await knex.raw(statement);
  }
}
