// Second factors. The TOTP seed is sealed (AES-GCM under a key derived from SERVER_SECRET) and recovery
// codes are stored only as keyed hashes. last_time_step remembers the last accepted TOTP step so that a
// code cannot be used twice, even inside its 30-second window.
export async function up(knex) {
  for (const statement of [
    `create table mfa_totp (
      account_id uuid primary key references accounts (id) on delete cascade,
      secret_sealed text not null,
      confirmed_at timestamptz,
      last_time_step bigint,
      created_at timestamptz not null default now()
    )`,
    `create table mfa_recovery_codes (
      account_id uuid not null references accounts (id) on delete cascade,
      code_hash text not null,
      used_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (account_id, code_hash)
    )`,
    `alter table clients add column require_mfa boolean not null default false`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `alter table clients drop column require_mfa`,
    `drop table mfa_recovery_codes`,
    `drop table mfa_totp`,
  ]) {
    await knex.raw(statement);
  }
}
