// A group can require a second factor of its members (directly or through nested groups).
export async function up(knex) {
  await knex.raw('alter table groups add column require_mfa boolean not null default false');
}

export async function down(knex) {
  await knex.raw('alter table groups drop column require_mfa');
}
