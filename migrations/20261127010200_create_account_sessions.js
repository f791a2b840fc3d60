// Indexes of signed-in browser sessions and of grants by account, so an operator can list and end
// them. The sessions and grants themselves stay where oidc-provider keeps them; these tables hold the
// session's `uid` (not its cookie value), the grant id (already stored in clear beside every token
// issued under it), the client and timestamps.
export async function up(knex) {
  for (const statement of [
    `create table account_sessions (
      uid text primary key,
      account_id uuid not null,
      login_at timestamptz,
      expires_at timestamptz,
      client_ids text[] not null default '{}',
      updated_at timestamptz not null default now()
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

export async function down(knex) {
  for (const statement of [
    `drop table account_grants`,
    `drop table account_sessions`,
  ]) {
    await knex.raw(statement);
  }
}
