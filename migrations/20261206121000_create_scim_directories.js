// SCIM 2.0 provisioning (src/scim): each directory (an Okta or Entra tenant) is a source of accounts
// and groups. A directory authenticates with long-lived provisioning tokens (stored as SHA-256 only)
// or as an OAuth client holding scim:provision. scim_users and scim_groups mark what a directory
// created; a directory sees and changes only what it marked. The events table learns a fifth actor
// type, `directory`, for the changes a directory makes.
export async function up(knex) {
  for (const statement of [
    `create table scim_directories (
      id uuid primary key,
      name text not null,
      client_id text unique references clients (client_id) on delete set null,
      send_invitations boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create unique index scim_directories_name_key on scim_directories (lower(name))`,
    `create table scim_tokens (
      id uuid primary key,
      directory_id uuid not null references scim_directories (id) on delete cascade,
      token_hash text not null unique,
      label text,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    )`,
    `create index scim_tokens_directory on scim_tokens (directory_id)`,
    `create table scim_users (
      account_id uuid primary key references accounts (id) on delete cascade,
      directory_id uuid not null references scim_directories (id) on delete cascade,
      user_name text not null,
      external_id text,
      resource jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create unique index scim_users_user_name_key on scim_users (directory_id, lower(user_name))`,
    `create index scim_users_external_id on scim_users (directory_id, external_id) where external_id is not null`,
    `create table scim_groups (
      group_id uuid primary key references groups (id) on delete cascade,
      directory_id uuid not null references scim_directories (id) on delete cascade,
      external_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create index scim_groups_directory on scim_groups (directory_id)`,
    `alter table events drop constraint if exists events_actor_type_check`,
    `alter table events add constraint events_actor_type_check check (actor_type in ('account', 'client', 'system', 'anonymous', 'directory'))`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `alter table events drop constraint if exists events_actor_type_check`,
    // Events a directory wrote stay (the log is append-only), so the old rule applies to new rows only.
    `alter table events add constraint events_actor_type_check check (actor_type in ('account', 'client', 'system', 'anonymous')) not valid`,
    `drop table scim_groups`,
    `drop table scim_users`,
    `drop table scim_tokens`,
    `drop table scim_directories`,
  ]) {
    await knex.raw(statement);
  }
}
