// The clients registered as an API's resource servers: besides the client a token was issued to,
// only they may introspect that API's tokens (RFC 7662 §4).
export async function up(knex) {
  await knex.raw(`alter table api_resources add column resource_server_client_ids text[] not null default '{}'`);
}

export async function down(knex) {
  await knex.raw('alter table api_resources drop column resource_server_client_ids');
}
