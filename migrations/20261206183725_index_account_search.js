// Account search in the admin API and console (docs/console.md): each filter has an index that
// PostgreSQL and PGlite both have without an extension (no pg_trgm), so a search stays fast at
// 100,000 accounts and more.
export async function up(knex) {
  for (const statement of [
    // The list's own order (created_at, id): a page is an index range, not a sort of every account.
    `create index accounts_created_at_id on accounts (created_at, id)`,
    // Email prefix (lower(email) like 'abc%'): text_pattern_ops serves LIKE whatever the collation.
    `create index accounts_email_prefix on accounts (lower(email) text_pattern_ops)`,
    // Words of the name, by prefix ('smi:*' finds "Jane Smith"): full-text search in core PostgreSQL.
    // fastupdate off: new entries go into the index itself, not a pending list that only VACUUM
    // merges (PGlite has no autovacuum, and a long pending list is read in full by every search).
    `create index accounts_name_words on accounts using gin (to_tsvector('simple', coalesce(name, ''))) with (fastupdate = off)`,
    // An attribute's value, compared without case (department=sales).
    `create index account_attributes_value on account_attributes (attribute_id, lower(value #>> '{}'))`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex) {
  for (const statement of [
    `drop index account_attributes_value`,
    `drop index accounts_name_words`,
    `drop index accounts_email_prefix`,
    `drop index accounts_created_at_id`,
  ]) {
    await knex.raw(statement);
  }
}
