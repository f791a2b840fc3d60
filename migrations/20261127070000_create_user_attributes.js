// Custom user attributes: the operator's profile schema, each account's values, and custom scopes
// that release sets of attributes as claims. Values live in their own table (not a column of
// accounts) so that removing an attribute removes its values and nothing else.
export async function up(knex) {
  for (const statement of [
    `create table attribute_definitions (
      id uuid primary key,
      name text not null unique,
      type text not null check (type in ('string', 'number', 'boolean', 'date', 'enum', 'string_list')),
      label text,
      description text,
      required boolean not null default false,
      rule jsonb not null default '{}',
      editable_by text not null default 'admin' check (editable_by in ('user', 'admin')),
      show_at_signup boolean not null default false,
      status text not null default 'active' check (status in ('active', 'deprecated')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create table account_attributes (
      account_id uuid not null references accounts (id) on delete cascade,
      attribute_id uuid not null references attribute_definitions (id) on delete cascade,
      value jsonb not null,
      updated_at timestamptz not null default now(),
      primary key (account_id, attribute_id)
    )`,
    `create index account_attributes_attribute on account_attributes (attribute_id)`,
    `create table claim_scopes (
      name text primary key,
      description text,
      claims text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [`drop table claim_scopes`, `drop table account_attributes`, `drop table attribute_definitions`]) {
    await knex.raw(statement);
  }
}
