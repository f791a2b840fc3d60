// Storage for oidc-provider models: the long-lived ones (Grant, RefreshToken) always, and every
// short-lived one in embedded mode. `id` is a SHA-256 of the model's id, never the usable value.
export async function up(knex) {
  for (const statement of [
    `create table oidc_models (
      model text not null,
      id text not null,
      payload jsonb not null,
      grant_id text,
      uid text,
      user_code text,
      expires_at timestamptz,
      consumed_at timestamptz,
      primary key (model, id)
    )`,
    `create index oidc_models_grant_id on oidc_models (grant_id) where grant_id is not null`,
    `create index oidc_models_uid on oidc_models (model, uid) where uid is not null`,
    `create index oidc_models_user_code on oidc_models (model, user_code) where user_code is not null`,
    `create index oidc_models_expires_at on oidc_models (expires_at) where expires_at is not null`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table oidc_models`,
  ]) {
    await knex.raw(statement);
  }
}
