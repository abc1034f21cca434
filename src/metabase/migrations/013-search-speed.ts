import { sql, type Kysely } from 'kysely';

/**
 * Search at a million databases (issue 14). A name substring is found in two parts that never
 * overlap: at the start of the name (the name's own btree, in order) and further in (this trigram
 * index on the name without its first character). A term at the start of many names (`nordic-`)
 * is then read in name order instead of fetching every match to sort them; the trigram index on
 * the whole name is no longer used. The name order is also read from a btree carrying the columns
 * the search filters on (mode, status, server): walking it tests the filters and the LIKE on index
 * tuples, without visiting the table (the unique index on name alone cannot: every row it passes
 * over is a heap fetch).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX database_name_infix_trgm ON database USING gin (substr(name, 2) gin_trgm_ops);
    DROP INDEX database_name_trgm;
    CREATE INDEX database_name_filters ON database (name) INCLUDE (mode, status, server_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX database_name_trgm ON database USING gin (name gin_trgm_ops);
    DROP INDEX database_name_infix_trgm;
    DROP INDEX database_name_filters;
  `.execute(db);
}
