export async function up(knex) {
  for (const statement of [
    `create table events (
      id bigserial primary key,
      occurred_at timestamptz not null default now(),
      type text not null,
      outcome text not null check (outcome in ('success', 'failure')),
      actor_type text not null check (actor_type in ('account', 'client', 'system', 'anonymous')),
      actor_id text,
      account_id text,
      client_id text,
      ip text,
      user_agent text,
      request_id text,
      detail jsonb not null default '{}'::jsonb
    )`,
    `create index events_type_time on events (type, occurred_at)`,
    `create index events_account_time on events (account_id, occurred_at) where account_id is not null`,
    `create index events_client_time on events (client_id, occurred_at) where client_id is not null`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table events`,
  ]) {
    await knex.raw(statement);
  }
}
