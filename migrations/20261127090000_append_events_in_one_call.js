// Appending a batch of audit events in one round trip (docs/events.md, "Integrity").
// The application chains the rows from the head it last wrote and calls this function, which takes the
// chain lock, checks that the head is still that one, and inserts the rows and their webhook deliveries.
// When another writer (an instance, the CLI) moved the head in between, it writes nothing and returns
// the current head, and the application chains again from there. One statement instead of five
// (begin, lock, read head, insert, commit) on every batch: the token endpoint's audit cost.
// The webhook matching below is the same as appendInTransaction's in src/audit/queries.ts: change both.
export async function up(knex) {
  for (const statement of [
    `create function audit_append_events(expected_id bigint, expected_hash text, batch jsonb)
      returns table (head_id text, head_hash text, deliveries integer)
      language plpgsql as $$
    declare
      current_id bigint;
      current_hash text;
      queued integer;
    begin
      perform pg_advisory_xact_lock(hashtext('idp.audit-chain'), hashtext(current_schema()));
      select h.id, h.hash into current_id, current_hash from (
        (select e.id, e.hash from events e order by e.id desc limit 1)
        union all
        (select c.through_id, c.through_hash from event_checkpoints c where c.kind = 'prune' order by c.through_id desc limit 1)
      ) h order by h.id desc limit 1;
      current_id := coalesce(current_id, 0);
      current_hash := coalesce(current_hash, repeat('0', 64));
      if current_id <> expected_id or current_hash <> expected_hash then
        return query select current_id::text, current_hash, -1;
        return;
      end if;
      with inserted as (
        insert into events (id, occurred_at, type, outcome, actor_type, actor_id, account_id, client_id, ip, user_agent, request_id, detail, hash)
        select r.id, r.occurred_at, r.type, r.outcome, r.actor_type, r.actor_id, r.account_id, r.client_id, r.ip, r.user_agent, r.request_id, r.detail, r.hash
        from jsonb_to_recordset(batch) as r(
          id bigint, occurred_at timestamptz, type text, outcome text, actor_type text, actor_id text, account_id text,
          client_id text, ip text, user_agent text, request_id text, detail jsonb, hash text
        )
        returning events.id, events.type, events.occurred_at
      )
      insert into webhook_deliveries (webhook_id, event_id, next_attempt_at, created_at)
      select w.id, i.id, i.occurred_at, i.occurred_at from inserted i join webhooks w on w.enabled and (
        i.type = any(w.event_types) or '*' = any(w.event_types) or split_part(i.type, '.', 1) || '.*' = any(w.event_types)
      );
      get diagnostics queued = row_count;
      return query select (batch -> (jsonb_array_length(batch) - 1) ->> 'id'), batch -> (jsonb_array_length(batch) - 1) ->> 'hash', queued;
    end
    $$`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  await knex.raw(`drop function audit_append_events(bigint, text, jsonb)`);
}
