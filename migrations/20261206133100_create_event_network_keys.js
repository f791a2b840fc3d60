// Retention of IP addresses and user agents in audit events (EVENT_NETWORK_RETENTION_DAYS, docs/privacy.md).
// Events cannot be edited (the hash chain), so these two fields are stored encrypted under a key of
// their UTC day; after the retention period the day's key is destroyed (sealed_key null, a tombstone)
// and the fields read as expired, while every event and its hash stay as they were.
export async function up(knex) {
  await knex.raw(`create table event_network_keys (
    period text primary key,
    sealed_key text,
    created_at timestamptz not null,
    erased_at timestamptz,
    constraint event_network_keys_sealed_or_erased check ((sealed_key is null) = (erased_at is not null))
  )`);
}

export async function down(knex) {
  await knex.raw(`drop table event_network_keys`);
}
