import { sql, type Kysely } from 'kysely';
import type { DatabasePingRow, DatabaseUsage, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export type PingRecord =
  | { database: string; at: Date; status: 'OK'; usage: DatabaseUsage }
  | { database: string; at: Date; status: 'KO'; reason: string };

export async function insertPing(db: Db, ping: PingRecord): Promise<void> {
  await db
    .insertInto('database_ping')
    .values({
      database_name: ping.database,
      at: ping.at,
      status: ping.status,
      usage: ping.status === 'OK' ? JSON.stringify(ping.usage) : null,
      reason: ping.status === 'KO' ? ping.reason : null,
    })
    .execute();
  await db.updateTable('database').set({ last_ping_at: ping.at }).where('name', '=', ping.database).execute();
}

export function countActiveDatabases(db: Db): Promise<number> {
  return db
    .selectFrom('database')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'active')
    .executeTakeFirstOrThrow()
    .then((r) => r.n);
}

/** The databases pinged longest ago (never pinged first). */
export function databasesDueForPing(db: Db, limit: number): Promise<{ name: string; server_id: number }[]> {
  return db
    .selectFrom('database')
    .select(['name', 'server_id'])
    .where('state', '=', 'active')
    .orderBy(sql`last_ping_at NULLS FIRST`)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export function lastPing(db: Db, database: string): Promise<DatabasePingRow | undefined> {
  return db
    .selectFrom('database_ping')
    .selectAll()
    .where('database_name', '=', database)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
