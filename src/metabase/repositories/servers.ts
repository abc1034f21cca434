import type { Kysely } from 'kysely';
import type { HostingServerRow, HostingServerTable, Metabase } from '../schema.js';
import type { Insertable } from 'kysely';

type Db = Kysely<Metabase>;

export function findServerById(db: Db, id: number): Promise<HostingServerRow | undefined> {
  return db.selectFrom('hosting_server').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listServers(db: Db): Promise<HostingServerRow[]> {
  return db.selectFrom('hosting_server').selectAll().orderBy('name').execute();
}

/** Registers a server, or refreshes its connection details (the embedded cluster's port may change). */
export async function upsertServer(
  db: Db,
  server: Insertable<HostingServerTable>,
): Promise<HostingServerRow> {
  const { name: _name, ...changes } = server;
  return db
    .insertInto('hosting_server')
    .values(server)
    .onConflict((oc) => oc.column('name').doUpdateSet(changes))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Each hosting server's number of active databases (servers without any are absent). */
export async function countActiveDatabasesByServer(db: Db): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('database')
    .select(['server_id', (eb) => eb.fn.countAll<string>().as('count')])
    .where('state', '=', 'active')
    .groupBy('server_id')
    .execute();
  return new Map(rows.map((r) => [r.server_id, Number(r.count)]));
}

export function findServerByName(db: Db, name: string): Promise<HostingServerRow | undefined> {
  return db.selectFrom('hosting_server').selectAll().where('name', '=', name).executeTakeFirst();
}

/** The hosting server with the fewest live databases (ties: the oldest): where a new database goes. */
export async function leastLoadedServer(db: Db): Promise<HostingServerRow> {
  return db
    .selectFrom('hosting_server as s')
    .selectAll('s')
    .orderBy((eb) =>
      eb
        .selectFrom('database as d')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('d.server_id', '=', 's.id')
        .where('d.state', 'in', ['creating', 'active']),
    )
    .orderBy('s.id')
    .limit(1)
    .executeTakeFirstOrThrow();
}
