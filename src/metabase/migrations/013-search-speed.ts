import { sql, type Kysely } from 'kysely';

/**
 * Search at a million databases (issue 14). A name substring is found in two parts that never
 * overlap: at the start of the name (the name's own btree, in order) and further in (this trigram
 * index on the name without its first character). A term at the start of many names (`nordic-`)
 * is then read in name order instead of fetching every match to sort them; the trigram index on
 * the whole name is no longer used.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX database_name_infix_trgm ON database USING gin (substr(name, 2) gin_trgm_ops);
    DROP INDEX database_name_trgm;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX database_name_trgm ON database USING gin (name gin_trgm_ops);
    DROP INDEX database_name_infix_trgm;
  `.execute(db);
}
