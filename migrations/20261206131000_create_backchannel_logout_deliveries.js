// OpenID Connect Back-Channel Logout 1.0: the outbox of logout tokens still to send. A row is written
// when a session ends (never a network call on the person's request); a background worker posts it,
// retrying with backoff, and instances claim due rows with FOR UPDATE SKIP LOCKED, like webhooks.
// The token itself is built at send time with the current signing key; the row holds only what it
// needs (`account_id` is the pseudonymous subject; `sid` the per-client session id, not the cookie).
export async function up(knex) {
  for (const statement of [
    `create table backchannel_logout_deliveries (
      id bigserial primary key,
      client_id text not null references clients (client_id) on delete cascade,
      account_id text not null,
      sid text,
      reason text not null,
      jti text not null unique,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      last_status integer,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz not null
    )`,
    `create index backchannel_logout_deliveries_due on backchannel_logout_deliveries (next_attempt_at, id) where status = 'pending'`,
    `create index backchannel_logout_deliveries_by_client on backchannel_logout_deliveries (client_id, status)`,
    `create index backchannel_logout_deliveries_by_account on backchannel_logout_deliveries (account_id)`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  await knex.raw(`drop table backchannel_logout_deliveries`);
}
