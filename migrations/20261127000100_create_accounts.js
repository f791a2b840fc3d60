export async function up(knex) {
  for (const statement of [
    `create table accounts (
      id uuid primary key,
      email text not null,
      email_verified boolean not null default false,
      password_hash text,
      name text,
      status text not null default 'active' check (status in ('active', 'disabled')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_login_at timestamptz
    )`,
    `create unique index accounts_email_lower_key on accounts (lower(email))`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table accounts`,
  ]) {
    await knex.raw(statement);
  }
}
