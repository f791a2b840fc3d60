// The language a person chose for the hosted pages and the mails sent to them (docs/branding.md,
// "Languages"). Null: no choice, so the browser's language (or the page's) decides.
export async function up(knex) {
  await knex.raw(`alter table accounts add column locale text check (locale is null or length(locale) <= 35)`);
}

export async function down(knex) {
  await knex.raw(`alter table accounts drop column locale`);
}
