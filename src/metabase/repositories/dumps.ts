import type { Insertable, Kysely, Updateable } from 'kysely';
import type { DumpRow, DumpTable, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export function findDump(db: Db, id: number): Promise<DumpRow | undefined> {
  return db.selectFrom('dump').selectAll().where('id', '=', id).executeTakeFirst();
}

export function latestDumpOf(db: Db, database: string): Promise<DumpRow | undefined> {
  return db
    .selectFrom('dump')
    .selectAll()
    .where('database_name', '=', database)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function insertDump(db: Db, row: Insertable<DumpTable>): Promise<DumpRow> {
  return db.insertInto('dump').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateDump(db: Db, id: number, changes: Updateable<DumpTable>): Promise<void> {
  await db.updateTable('dump').set(changes).where('id', '=', id).execute();
}

/** Ready dumps whose link expired: their files go. */
export function expiredDumps(db: Db, now: Date): Promise<DumpRow[]> {
  return db
    .selectFrom('dump')
    .selectAll()
    .where('state', '=', 'ready')
    .where('expires_at', '<', now)
    .execute();
}
