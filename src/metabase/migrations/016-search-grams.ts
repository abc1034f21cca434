import { sql, type Kysely } from 'kysely';

/**
 * A name substring common across the platform but rare past a cursor or under a filter (`law`
 * among trial databases after `m`) had no cheap plan: walking the name order read 150,000 index
 * tuples before finding its page, and the trigram index read and sorted all 24,000 candidates
 * (issue 14). This index keys every 3-character piece of a name (after its first character) by the
 * name's first character: `o` + `law` lists only the names starting with `o` that hold `law`, so
 * a search reads the candidates of one first character at a time, in name order, and stops when
 * its page is full. Names are lowercase `[a-z0-9._-]` (DATABASE_NAME_PATTERN): 36 first characters.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION database_name_grams(name text) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      RETURN ARRAY(SELECT DISTINCT left(name, 1) || substr(name, i, 3) FROM generate_series(2, length(name) - 2) AS i);
    CREATE INDEX database_name_grams ON database USING gin (database_name_grams(name));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX database_name_grams;
    DROP FUNCTION database_name_grams(text);
  `.execute(db);
}
