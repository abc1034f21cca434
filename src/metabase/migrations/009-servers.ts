import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // GET /api/servers counts each hosting server's active databases on every call: an index-only
  // scan per server at a million databases instead of reading the whole table.
  await sql`CREATE INDEX database_active_by_server ON database (server_id) WHERE state = 'active'`.execute(db);
}
