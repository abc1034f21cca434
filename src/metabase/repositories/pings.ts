import type { Kysely } from 'kysely';
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
