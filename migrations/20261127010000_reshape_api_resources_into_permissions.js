// API resources declare permissions as rows of their own (they were a `scopes` array): roles and
// object grants refer to them, and a rename or removal reaches every reference.
export async function up(knex) {
  for (const statement of [
    `alter table api_resources add column description text`,
    `alter table api_resources add column system boolean not null default false`,
    `create table permissions (
      id uuid primary key,
      resource_id uuid not null references api_resources (id) on delete cascade,
      name text not null,
      description text,
      created_at timestamptz not null default now(),
      unique (resource_id, name)
    )`,
    `insert into permissions (id, resource_id, name)
      select gen_random_uuid(), r.id, s.name from api_resources r cross join lateral unnest(r.scopes) as s(name)`,
    `alter table api_resources drop column scopes`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `alter table api_resources add column scopes text[] not null default '{}'`,
    `update api_resources r set scopes = coalesce((select array_agg(p.name order by p.name) from permissions p where p.resource_id = r.id), '{}')`,
    `drop table permissions`,
    `alter table api_resources drop column system`,
    `alter table api_resources drop column description`,
  ]) {
    await knex.raw(statement);
  }
}
