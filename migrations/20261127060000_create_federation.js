// Sign-in through upstream identity providers. A connection is an upstream OpenID Connect provider
// (by issuer, with discovery) or a plain OAuth 2.0 provider with a user-info endpoint; its client
// secret is sealed (AES-GCM under a key derived from SERVER_SECRET). A federated identity links one
// (connection, upstream subject) to one local account: accounts are never matched on email alone.
// federated_group_memberships remembers which memberships a connection's group mapping made, so that
// a group removed upstream leaves only those, never a membership an administrator made by hand.
export async function up(knex) {
  for (const statement of [
    `create table federation_connections (
      id uuid primary key,
      slug text not null,
      display_name text not null,
      kind text not null check (kind in ('oidc', 'oauth2')),
      preset text,
      issuer text not null,
      authorization_endpoint text,
      token_endpoint text,
      userinfo_endpoint text,
      client_id text not null,
      client_secret_sealed text,
      scopes text not null,
      enabled boolean not null default true,
      allow_jit boolean not null default true,
      trust_upstream_mfa boolean not null default false,
      domains jsonb not null default '[]',
      attribute_map jsonb not null default '{}',
      groups_claim text,
      group_map jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create unique index federation_connections_slug_key on federation_connections (lower(slug))`,
    `create table federated_identities (
      connection_id uuid not null references federation_connections (id) on delete cascade,
      subject text not null,
      account_id uuid not null references accounts (id) on delete cascade,
      email text,
      created_at timestamptz not null default now(),
      last_login_at timestamptz,
      primary key (connection_id, subject)
    )`,
    `create index federated_identities_account_idx on federated_identities (account_id)`,
    `create table federated_group_memberships (
      connection_id uuid not null references federation_connections (id) on delete cascade,
      account_id uuid not null references accounts (id) on delete cascade,
      group_id uuid not null references groups (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (connection_id, account_id, group_id)
    )`,
    `create table federation_client_policies (
      client_id text primary key references clients (client_id) on delete cascade,
      connection_ids jsonb not null default '[]',
      updated_at timestamptz not null default now()
    )`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop table federation_client_policies`,
    `drop table federated_group_memberships`,
    `drop table federated_identities`,
    `drop table federation_connections`,
  ]) {
    await knex.raw(statement);
  }
}
