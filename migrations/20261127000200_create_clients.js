export async function up(knex) {
  for (const statement of [
    `create table clients (
      client_id text primary key,
      name text not null,
      type text not null check (type in ('web', 'spa', 'native', 'machine')),
      secret_hash text,
      first_party boolean not null default false,
      metadata jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table clients`,
  ]) {
    await knex.raw(statement);
  }
}
