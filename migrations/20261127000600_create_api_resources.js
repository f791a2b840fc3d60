// Resource servers, by audience URI (RFC 8707 resource indicators). Access tokens for them are JWTs.
export async function up(knex) {
  for (const statement of [
    `create table api_resources (
      id uuid primary key,
      identifier text not null unique,
      name text not null,
      scopes text[] not null default '{}',
      access_token_ttl integer,
      token_format text not null default 'jwt' check (token_format in ('jwt', 'opaque')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table api_resources`,
  ]) {
    await knex.raw(statement);
  }
}
