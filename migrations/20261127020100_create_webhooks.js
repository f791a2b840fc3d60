// Webhooks: an operator's URL for chosen event types, and the outbox of deliveries. A delivery row is
// written in the same transaction as its event, so an event that is stored is never lost to a restart;
// instances claim due deliveries with FOR UPDATE SKIP LOCKED.
export async function up(knex) {
  for (const statement of [
    `create table webhooks (
      id uuid primary key,
      url text not null,
      event_types text[] not null,
      description text,
      secret_sealed text not null,
      enabled boolean not null default true,
      created_at timestamptz not null default now()
    )`,
    `create table webhook_deliveries (
      id bigserial primary key,
      webhook_id uuid not null references webhooks (id) on delete cascade,
      event_id bigint not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      last_status integer,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz not null
    )`,
    `create index webhook_deliveries_due on webhook_deliveries (next_attempt_at, id) where status = 'pending'`,
    `create index webhook_deliveries_by_webhook on webhook_deliveries (webhook_id, status)`,
    `create index webhook_deliveries_by_event on webhook_deliveries (event_id)`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table webhook_deliveries`,
    `drop table webhooks`,
  ]) {
    await knex.raw(statement);
  }
}
