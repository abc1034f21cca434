import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The ping schedule picks the databases pinged longest ago: kept on the row so that picking
  // them stays an index scan at a million databases.
  await sql`
    ALTER TABLE database ADD COLUMN last_ping_at timestamptz;
    UPDATE database d SET last_ping_at = p.at
      FROM (SELECT database_name, max(at) AS at FROM database_ping GROUP BY database_name) p
     WHERE p.database_name = d.name;
    CREATE INDEX database_ping_due ON database (last_ping_at NULLS FIRST, id) WHERE state = 'active';
  `.execute(db);
}
