// An index of signed-in browser sessions by account, so an operator can list and end them. The
// sessions themselves stay where oidc-provider keeps them (Redis or SQL); this holds only their
// `uid` (not the cookie value) and timestamps. Grants are always in SQL: an expression index finds an
// account's grants.
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
    `create index account_sessions_account on account_sessions (account_id, expires_at)`,
    `create index oidc_models_grant_account on oidc_models ((payload ->> 'accountId')) where model = 'Grant'`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop index oidc_models_grant_account`,
    `drop table account_sessions`,
  ]) {
    await knex.raw(statement);
  }
}
