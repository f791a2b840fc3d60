// A first-party client the operator names for it may act for signed-in people on the server's own
// APIs (admin API, check API) with delegated, consented, MFA-backed tokens. Off for every client.
export async function up(knex) {
  await knex.raw('alter table clients add column system_api_delegation boolean not null default false');
}

export async function down(knex) {
  await knex.raw('alter table clients drop column system_api_delegation');
}
