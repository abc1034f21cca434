import { sql } from 'kysely';
import type { MetabaseDb } from '../../src/metabase/connect.js';
import type { DatabaseSearch } from '../../src/metabase/repositories/databases.js';

/**
 * What a search answers, written as plainly as SQL allows (LIKE with the term escaped, every
 * condition on the table, one ORDER BY): the semantics the search had before its statements were
 * shaped for indexes, to compare them with.
 */
export async function searchByDefinition(db: MetabaseDb, s: DatabaseSearch): Promise<string[]> {
  const q = s.q?.toLowerCase();
  const like = q?.replace(/[\\%_]/g, (c) => '\\' + c);
  const conditions = [sql`true`];
  if (q && like !== undefined) {
    if (q.length < 3) conditions.push(sql`name LIKE ${`${like}%`}`);
    else {
      const either = [sql`name LIKE ${`%${like}%`}`, sql`subcode = ${s.q!.toUpperCase()}`];
      if (/^[0-9a-f-]{3,36}$/.test(q)) either.push(sql`uuid::text LIKE ${`${like}%`}`);
      conditions.push(sql`(${sql.join(either, sql` OR `)})`);
    }
  }
  if (s.mode) conditions.push(sql`mode = ${s.mode}`);
  if (s.status) conditions.push(sql`status = ${s.status}`);
  const servers = typeof s.server === 'string' ? [s.server] : (s.server ?? []);
  if (servers.length)
    conditions.push(sql`server_id IN (SELECT id FROM hosting_server WHERE name = ANY (${servers}::text[]))`);
  if (s.after !== undefined) conditions.push(sql`name > ${s.after}`);
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM database WHERE ${sql.join(conditions, sql` AND `)} ORDER BY name LIMIT ${s.limit}`.execute(
    db,
  );
  return rows.map((r) => r.name);
}
