// An account locked by repeated failed sign-ins stays locked until an admin unlocks it or the
// password is reset; the lock lives in Postgres so it survives a Redis flush.
export async function up(knex) {
  for (const statement of [
    `alter table accounts add column locked_at timestamptz`,
    `create index accounts_locked on accounts (locked_at) where locked_at is not null`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop index accounts_locked`,
    `alter table accounts drop column locked_at`,
  ]) {
    await knex.raw(statement);
  }
}
