// Passkeys (WebAuthn credentials, docs/passkeys.md). Only public keys are stored: the private key never
// leaves the authenticator. credential_id is unique across all accounts, so one credential can never
// sign in to two accounts. The user handle given to authenticators is random (never the email), one per
// account, so a discoverable credential names its account without revealing who it belongs to.
export async function up(knex) {
  for (const statement of [
    `create table passkey_user_handles (
      account_id uuid primary key references accounts (id) on delete cascade,
      user_handle text not null unique,
      created_at timestamptz not null default now()
    )`,
    `create table passkeys (
      id uuid primary key,
      account_id uuid not null references accounts (id) on delete cascade,
      credential_id text not null unique,
      public_key text not null,
      sign_count bigint not null default 0,
      transports text not null default '',
      aaguid text,
      device_type text not null check (device_type in ('singleDevice', 'multiDevice')),
      backed_up boolean not null default false,
      name text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    )`,
    `create index passkeys_account_id on passkeys (account_id)`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [`drop table passkeys`, `drop table passkey_user_handles`]) {
    await knex.raw(statement);
  }
}
