// One index of an account's browser sessions and grants: browser_sessions and grant_index (see
// 20261127040300_create_session_and_grant_index) now also serve the admin API, so the admin API's own
// copy goes. Its rows are derived data, kept from the same oidc-provider events as the kept index,
// which already holds the same sessions and grants: nothing is copied over.
export async function up(knex) {
  for (const statement of [
    `drop table account_grants`,
    `drop table account_sessions`,
  ]) {
    await knex.raw(statement);
  }
}

// The tables come back empty, as the release before this one expects them; that release's index
// refills them from the next save of each session and grant.
export async function down(knex) {
  for (const statement of [
    `create table account_sessions (
      uid text primary key,
      account_id uuid not null,
      login_at timestamptz,
      expires_at timestamptz,
      client_ids text[] not null default '{}',
      updated_at timestamptz not null default now(),
      created_at timestamptz not null default now()
    )`,
    `create index account_sessions_account on account_sessions (account_id)`,
    `create table account_grants (
      grant_id text primary key,
      account_id uuid not null,
      client_id text not null,
      expires_at timestamptz,
      created_at timestamptz not null default now()
    )`,
    `create index account_grants_account on account_grants (account_id)`,
  ]) {
    await knex.raw(statement);
  }
}
