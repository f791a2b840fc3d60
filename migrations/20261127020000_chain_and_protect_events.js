// Tamper evidence for the audit log (docs/events.md, "Integrity").
// - `hash` chains every row to the one before it; the application computes it under a transaction-scoped
//   advisory lock, so writers on several instances still build one linear chain. Rows written before this
//   migration keep a null hash and are reported as unchained by `idp events verify`.
// - The application assigns ids itself (previous id + 1, under the same lock), so the chain has no gaps;
//   dropping the column default makes any other writer fail loudly instead of forking the chain.
// - A trigger makes `events` and `event_checkpoints` append-only for every role that does not bypass
//   triggers. The one exception: events (and seals of events) already covered by a signed prune
//   checkpoint may be deleted.
export async function up(knex) {
  for (const statement of [
    `alter table events add column hash text`,
    `alter table events add constraint events_hash_present check (hash is not null) not valid`,
    `alter table events alter column id drop default`,
    `drop index events_type_time`,
    `drop index events_account_time`,
    `drop index events_client_time`,
    `create index events_type_id on events (type, id)`,
    `create index events_account_id on events (account_id, id) where account_id is not null`,
    `create index events_client_id on events (client_id, id) where client_id is not null`,
    `create index events_occurred_at on events (occurred_at)`,
    `create table event_checkpoints (
      id bigserial primary key,
      kind text not null check (kind in ('prune', 'seal')),
      through_id bigint not null,
      through_hash text not null,
      events_removed bigint not null default 0,
      created_at timestamptz not null,
      signature text not null
    )`,
    `create index event_checkpoints_kind_through on event_checkpoints (kind, through_id)`,
    `create function audit_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        if tg_table_name = 'events' then
          if old.id <= coalesce((select max(through_id) from event_checkpoints where kind = 'prune'), 0) then
            return old;
          end if;
        elsif old.kind = 'seal' then
          if old.through_id <= coalesce((select max(through_id) from event_checkpoints where kind = 'prune'), 0) then
            return old;
          end if;
        end if;
      end if;
      raise exception 'the audit log is append-only: % on % is not allowed', tg_op, tg_table_name
        using errcode = 'insufficient_privilege',
              hint = 'old events are removed by "idp events prune", which leaves a signed checkpoint first';
    end
    $$`,
    `create trigger events_append_only before update or delete on events
      for each row execute function audit_append_only()`,
    `create trigger events_no_truncate before truncate on events
      for each statement execute function audit_append_only()`,
    `create trigger event_checkpoints_append_only before update or delete on event_checkpoints
      for each row execute function audit_append_only()`,
    `create trigger event_checkpoints_no_truncate before truncate on event_checkpoints
      for each statement execute function audit_append_only()`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop trigger events_append_only on events`,
    `drop trigger events_no_truncate on events`,
    `drop table event_checkpoints`,
    `drop function audit_append_only()`,
    `drop index events_type_id`,
    `drop index events_account_id`,
    `drop index events_client_id`,
    `drop index events_occurred_at`,
    `create index events_type_time on events (type, occurred_at)`,
    `create index events_account_time on events (account_id, occurred_at) where account_id is not null`,
    `create index events_client_time on events (client_id, occurred_at) where client_id is not null`,
    `select setval(pg_get_serial_sequence('events', 'id'), greatest((select max(id) from events), 1))`,
    `alter table events alter column id set default nextval(pg_get_serial_sequence('events', 'id')::regclass)`,
    `alter table events drop constraint events_hash_present`,
    `alter table events drop column hash`,
  ]) {
    await knex.raw(statement);
  }
}
