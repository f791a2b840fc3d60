// Servers cache client registrations (the token endpoint reads one per request). A change to the
// clients table, made by any process, bumps the same generation counter as the RBAC tables, so every
// instance drops its cached clients within its poll interval.
export async function up(knex) {
  await knex.raw(`create trigger clients_rbac_generation after insert or update or delete or truncate on clients
    for each statement execute function rbac_bump_generation()`);
}

export async function down(knex) {
  await knex.raw('drop trigger clients_rbac_generation on clients');
}
