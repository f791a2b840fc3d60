// The admin API pages an account's sessions in a stable order: keyset over (created_at, uid). The
// index row is upserted on every save of the session, so login_at and updated_at move; created_at
// is set once. Rows that exist already get the time of this migration, and their uid orders them.
export async function up(knex) {
  await knex.raw('alter table account_sessions add column created_at timestamptz not null default now()');
}

export async function down(knex) {
  await knex.raw('alter table account_sessions drop column created_at');
}
