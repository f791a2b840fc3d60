// Indexes from an account to its browser sessions and grants, for the self-service account page and
// for revoking everything after a password reset. The sessions and grants themselves stay where
// oidc-provider keeps them. A session's id is its cookie value, so it is kept only sealed with
// SERVER_SECRET (to destroy the session through the adapter); `uid` is oidc-provider's public handle.
export async function up(knex) {
  for (const statement of [
    `create table browser_sessions (
      uid text primary key,
      account_id uuid not null,
      sealed_session_id text not null,
      user_agent text,
      ip text,
      client_ids text[] not null default '{}',
      login_at timestamptz,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      expires_at timestamptz
    )`,
    `create index browser_sessions_account on browser_sessions (account_id)`,
    `create table grant_index (
      grant_id text primary key,
      account_id uuid not null,
      client_id text not null,
      created_at timestamptz not null,
      expires_at timestamptz
    )`,
    `create index grant_index_account on grant_index (account_id)`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table grant_index`,
    `drop table browser_sessions`,
  ]) {
    await knex.raw(statement);
  }
}
