// Roles (sets of permissions), groups (of accounts and of other groups), who holds which role, and
// object-level grants (one permission on one `type:id` object). `rbac_state.generation` changes on
// every write to these tables, so a process that caches effective permissions can tell it is stale.
export async function up(knex) {
  for (const statement of [
    `create table roles (
      id uuid primary key,
      name text not null,
      description text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create unique index roles_name_key on roles (lower(name))`,
    `create table role_permissions (
      role_id uuid not null references roles (id) on delete cascade,
      permission_id uuid not null references permissions (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (role_id, permission_id)
    )`,
    `create index role_permissions_permission on role_permissions (permission_id)`,
    `create table groups (
      id uuid primary key,
      name text not null,
      description text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create unique index groups_name_key on groups (lower(name))`,
    `create table group_members (
      group_id uuid not null references groups (id) on delete cascade,
      account_id uuid references accounts (id) on delete cascade,
      member_group_id uuid references groups (id) on delete cascade,
      created_at timestamptz not null default now(),
      check (num_nonnulls(account_id, member_group_id) = 1),
      check (member_group_id is distinct from group_id)
    )`,
    `create unique index group_members_account_key on group_members (group_id, account_id) where account_id is not null`,
    `create unique index group_members_group_key on group_members (group_id, member_group_id) where member_group_id is not null`,
    `create index group_members_by_account on group_members (account_id) where account_id is not null`,
    `create index group_members_by_group on group_members (member_group_id) where member_group_id is not null`,
    `create table role_assignments (
      role_id uuid not null references roles (id) on delete cascade,
      account_id uuid references accounts (id) on delete cascade,
      group_id uuid references groups (id) on delete cascade,
      client_id text references clients (client_id) on delete cascade,
      created_at timestamptz not null default now(),
      check (num_nonnulls(account_id, group_id, client_id) = 1)
    )`,
    `create unique index role_assignments_account_key on role_assignments (account_id, role_id) where account_id is not null`,
    `create unique index role_assignments_group_key on role_assignments (group_id, role_id) where group_id is not null`,
    `create unique index role_assignments_client_key on role_assignments (client_id, role_id) where client_id is not null`,
    `create index role_assignments_role on role_assignments (role_id)`,
    `create table object_grants (
      id uuid primary key,
      permission_id uuid not null references permissions (id) on delete cascade,
      object_type text not null,
      object_id text not null,
      account_id uuid references accounts (id) on delete cascade,
      group_id uuid references groups (id) on delete cascade,
      created_at timestamptz not null default now(),
      check (num_nonnulls(account_id, group_id) = 1)
    )`,
    `create unique index object_grants_account_key on object_grants (account_id, permission_id, object_type, object_id) where account_id is not null`,
    `create unique index object_grants_group_key on object_grants (group_id, permission_id, object_type, object_id) where group_id is not null`,
    `create index object_grants_object on object_grants (object_type, object_id)`,
    `create table rbac_state (
      id smallint primary key check (id = 1),
      generation bigint not null
    )`,
    `insert into rbac_state (id, generation) values (1, 0)`,
    `create function rbac_bump_generation() returns trigger language plpgsql as $$
    begin
      update rbac_state set generation = generation + 1 where id = 1;
      return null;
    end
    $$`,
    ...['api_resources', 'permissions', 'roles', 'role_permissions', 'groups', 'group_members', 'role_assignments', 'object_grants'].map(
      (table) => `create trigger ${table}_rbac_generation after insert or update or delete or truncate on ${table}
        for each statement execute function rbac_bump_generation()`,
    ),
    // A disabled account is denied by the check endpoint, so its cached answers must go too.
    `create trigger accounts_rbac_generation after update of status or delete on accounts
      for each statement execute function rbac_bump_generation()`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop trigger accounts_rbac_generation on accounts`,
    `drop trigger api_resources_rbac_generation on api_resources`,
    `drop table object_grants`,
    `drop table role_assignments`,
    `drop table group_members`,
    `drop table groups`,
    `drop table role_permissions`,
    `drop table roles`,
    `drop trigger permissions_rbac_generation on permissions`,
    `drop table rbac_state`,
    `drop function rbac_bump_generation()`,
  ]) {
    await knex.raw(statement);
  }
}
