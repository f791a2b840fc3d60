export async function up(knex) {
  for (const statement of [
    `create table signing_keys (
      kid text primary key,
      alg text not null,
      public_jwk jsonb not null,
      private_jwk_sealed text not null,
      created_at timestamptz not null default now(),
      retired_at timestamptz,
      remove_after timestamptz
    )`,
    `create index signing_keys_alg_created on signing_keys (alg, created_at desc)`,
    `create table provider_secrets (
      name text primary key,
      sealed_value text not null,
      created_at timestamptz not null default now()
    )`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table provider_secrets`,
    `drop table signing_keys`,
  ]) {
    await knex.raw(statement);
  }
}
