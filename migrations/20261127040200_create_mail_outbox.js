// The mail send queue. A request only inserts a row; a worker in every instance claims due rows
// with FOR UPDATE SKIP LOCKED, sends them and marks them sent, so a slow SMTP server never holds a
// page and a restart loses nothing. The message (which may hold a link) is sealed with
// SERVER_SECRET and cleared once sent.
export async function up(knex) {
  for (const statement of [
    `create table mail_outbox (
      id uuid primary key,
      recipient text not null,
      template text not null,
      sealed_message text,
      status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      locked_until timestamptz,
      last_error text,
      created_at timestamptz not null,
      sent_at timestamptz
    )`,
    `create index mail_outbox_due on mail_outbox (next_attempt_at) where status = 'pending'`,
    `create index mail_outbox_finished on mail_outbox (created_at) where status <> 'pending'`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table mail_outbox`,
  ]) {
    await knex.raw(statement);
  }
}
