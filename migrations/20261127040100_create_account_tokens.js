// Single-use links mailed to people: email verification, password reset, email change. Only a
// SHA-256 of the token is stored, so a database leak opens no link. `email` is the exact address the
// link was sent to: the link works only while the account (or, for a change, the request) still
// has that address.
export async function up(knex) {
  for (const statement of [
    `create table account_tokens (
      id uuid primary key,
      account_id uuid not null references accounts (id) on delete cascade,
      purpose text not null check (purpose in ('verify_email', 'reset_password', 'change_email')),
      token_hash text not null unique,
      email text not null,
      return_path text,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      revoked_at timestamptz
    )`,
    `create index account_tokens_open on account_tokens (account_id, purpose) where used_at is null and revoked_at is null`,
    `create index account_tokens_expires_at on account_tokens (expires_at)`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table account_tokens`,
  ]) {
    await knex.raw(statement);
  }
}
