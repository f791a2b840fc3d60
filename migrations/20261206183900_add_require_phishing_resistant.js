// A client or a group can require a phishing-resistant sign-in (a passkey; docs/passkeys.md).
export async function up(knex) {
  await knex.raw('alter table clients add column require_phishing_resistant boolean not null default false');
  await knex.raw('alter table groups add column require_phishing_resistant boolean not null default false');
}

export async function down(knex) {
  await knex.raw('alter table groups drop column require_phishing_resistant');
  await knex.raw('alter table clients drop column require_phishing_resistant');
}
