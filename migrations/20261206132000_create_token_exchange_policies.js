// RFC 8693 token exchange: which client may exchange a person's access token for one addressed to
// which API, and optionally only for which of its permissions (scopes null: any the subject token carries).
// A client without a row may not exchange at all.
export async function up(knex) {
  await knex.raw(`create table token_exchange_policies (
    client_id text not null references clients(client_id) on delete cascade,
    resource_id uuid not null references api_resources(id) on delete cascade,
    scopes text[],
    created_at timestamptz not null default now(),
    primary key (client_id, resource_id)
  )`);
  await knex.raw('create index token_exchange_policies_resource on token_exchange_policies (resource_id)');
}

export async function down(knex) {
  await knex.raw('drop table token_exchange_policies');
}
