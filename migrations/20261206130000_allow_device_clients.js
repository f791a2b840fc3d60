// Device clients (RFC 8628): public clients without a redirect URI that sign people in through the
// device authorization grant.
export async function up(knex) {
  await knex.raw('alter table clients drop constraint clients_type_check');
  await knex.raw("alter table clients add constraint clients_type_check check (type in ('web', 'spa', 'native', 'machine', 'device'))");
}

export async function down(knex) {
  await knex.raw("delete from clients where type = 'device'");
  await knex.raw('alter table clients drop constraint clients_type_check');
  await knex.raw("alter table clients add constraint clients_type_check check (type in ('web', 'spa', 'native', 'machine'))");
}
