// What the configuration was at the last start, so the next start can record what changed
// (config.loaded, config.changed). One row. It holds only values safe to show (secrets masked) and
// keyed fingerprints of the secrets, never a secret itself; `version` lets instances that start at
// the same moment agree on who records the change.
export async function up(knex) {
  await knex.raw(`create table config_state (
    id smallint primary key default 1 check (id = 1),
    snapshot jsonb not null,
    version bigint not null,
    recorded_at timestamptz not null
  )`);
}

export async function down(knex) {
  await knex.raw('drop table config_state');
}
