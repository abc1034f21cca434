import { sql, type Kysely } from 'kysely';
import type { DatabaseRow, HostingServerRow, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

/** Where a hosting server's front end (nginx) listens. */
export interface FrontEnd {
  address: string;
  httpPort: number;
  httpsPort: number;
}

/** The server's front end as stored, or null when the platform does not run its nginx. */
export function frontEndOf(
  server: Pick<HostingServerRow, 'front_address' | 'front_http_port' | 'front_https_port'>,
): FrontEnd | null {
  const { front_address: address, front_http_port: httpPort, front_https_port: httpsPort } = server;
  if (address === null || httpPort === null || httpsPort === null) return null;
  return { address, httpPort, httpsPort };
}

/**
 * Gives the server a front end once: the first loopback address 127.0.0.N no other server
 * holds, and the port pair every other front end already uses (or `pickPorts()` for the first
 * one). The rows are locked, so two processes starting at once agree on one assignment.
 */
export async function assignFrontEnd(
  db: Db,
  serverId: number,
  pickPorts: () => Promise<{ httpPort: number; httpsPort: number }>,
): Promise<HostingServerRow> {
  const inTransaction = <T>(fn: (tx: Db) => Promise<T>) =>
    db.isTransaction ? fn(db) : db.transaction().execute(fn);
  return inTransaction(async (tx) => {
    const rows = await tx.selectFrom('hosting_server').selectAll().orderBy('id').forUpdate().execute();
    const server = rows.find((r) => r.id === serverId);
    if (!server) throw new Error(`Hosting server ${serverId} is not registered`);
    if (frontEndOf(server)) return server;
    const taken = new Set(rows.map((r) => r.front_address));
    const ports = rows.map(frontEndOf).find((f) => f !== null) ?? (await pickPorts());
    let host = 1;
    while (taken.has(`127.0.0.${host}`)) host += 1;
    // 127.0.0.0/8 is loopback on Linux: every address in it answers without any setup.
    if (host > 254)
      throw new Error('No loopback address left for another front end (127.0.0.1–254 are taken).');
    return tx
      .updateTable('hosting_server')
      .set({
        front_address: sql<string>`${`127.0.0.${host}`}::inet`,
        front_http_port: ports.httpPort,
        front_https_port: ports.httpsPort,
      })
      .where('id', '=', serverId)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** The databases a server's front end serves: every one that exists on it (not yet removed). */
export function databasesServedBy(
  db: Db,
  serverId: number,
): Promise<Pick<DatabaseRow, 'name' | 'secure' | 'server_id' | 'version'>[]> {
  return db
    .selectFrom('database')
    .select(['name', 'secure', 'server_id', 'version'])
    .where('server_id', '=', serverId)
    .where('state', '<>', 'removed')
    .orderBy('name')
    .execute();
}

/**
 * Runs `fn` while holding the server's front-end lock: one writer of its nginx files at a time,
 * across every process of the platform. A transaction-level advisory lock, so a process that
 * dies mid-change releases it with its connection.
 */
export async function withFrontEndLock<T>(db: Db, serverId: number, fn: () => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('dbtools.front-end'), ${serverId}::int)`.execute(tx);
    return fn();
  });
}
