import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import '../pg-types.js';
import { inTransaction } from './transaction.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { findServerById } from '../metabase/repositories/servers.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { isValidDatabaseName, InvalidDatabaseName } from '../hosting/database-name.js';
import { DomainError, isDatabaseUnreachable } from '../errors.js';
import type { LoaderLogin } from '../hosting/backup-pg.js';
import { MAINTENANCE_DATABASE, serverAddress, tenantConnectionConfig, tenantLogin } from '../hosting/tenant-role.js';
import {
  DEFAULT_CONNECTIONS_PER_SERVER,
  ServerConnections,
  type Lease,
  type ServerConnectionsStats,
} from './server-connections.js';


export class TenantUnreachable extends DomainError {
  constructor(database: string, reason: string) {
    super('tenant_unreachable', 503, `The database ${database} cannot be reached: ${reason}`);
  }
}

/** One connection shared by the concurrent reads of `shareReads` scopes on one database. */
interface SharedLease {
  lease: Promise<Lease>;
  users: number;
  unusable: boolean;
}

/**
 * Connections to tenant databases and to hosting clusters, pooled per hosting server within one
 * budget (`tenantConnections`, see ServerConnections): a page full of tool sections cannot flood
 * a customer's cluster, and a hundred databases cannot exhaust its max_connections.
 *
 * Connections are in pipeline mode: queries issued together on one connection go out together,
 * in one round trip, and are answered in order. Nothing here keeps session state (no SET, no
 * cursor, no COPY), so a connection is lent again as it was; one left in a transaction or broken
 * is closed instead.
 */
export class TenantAccess {
  private readonly pools = new Map<number, ServerConnections>();
  /** The newest row of each server: a pool opens its next connections with it. */
  private readonly rows = new Map<number, HostingServerRow>();
  /** Set inside `shareReads`: the reads made once per scope (see readOnce). */
  private readonly scope = new AsyncLocalStorage<Map<string, Promise<unknown>>>();
  private readonly readLeases = new Map<string, SharedLease>();

  constructor(
    private readonly metabase: MetabaseDb,
    private readonly secret: Buffer,
    private readonly connectionsPerServer = DEFAULT_CONNECTIONS_PER_SERVER,
  ) {}

  async server(serverId: number): Promise<HostingServerRow> {
    const server = await this.readOnce(`server ${serverId}`, () => findServerById(this.metabase, serverId));
    if (!server) throw new Error(`Hosting server ${serverId} is not registered`);
    this.rows.set(serverId, server);
    return server;
  }

  /** The superuser's connection to the cluster's maintenance database: cluster-level work only. */
  clusterConfig(server: HostingServerRow): pg.ClientConfig {
    return {
      ...serverAddress(server, MAINTENANCE_DATABASE),
      user: server.superuser,
      password: server.password ?? undefined,
    };
  }

  /**
   * A connection to a tenant database, as the tenant's own role with the fixed session settings
   * (see tenant-role.ts): never as the superuser, whatever the caller then runs.
   */
  tenantConfig(server: HostingServerRow, database: string): pg.ClientConfig {
    if (database === MAINTENANCE_DATABASE) throw new Error('the maintenance database is reached with clusterConfig');
    return tenantConnectionConfig(server, tenantLogin(this.secret, database));
  }

  /** The login of a tenant's own role (pg_dump and the other client tools read the tenant as it). */
  tenantLogin(database: string): LoaderLogin {
    if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
    return tenantLogin(this.secret, database);
  }

  /** Runs `fn` with a connection to the tenant database itself. */
  async withTenant<T>(
    db: { name: string; server_id: number },
    fn: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    if (!isValidDatabaseName(db.name)) throw new InvalidDatabaseName(db.name);
    if (this.scope.getStore()) return this.shared(db, fn);
    return this.leased(db.server_id, db.name, fn);
  }

  /** Runs `fn` inside one tenant transaction: all of it or nothing. */
  withTenantTransaction<T>(
    db: { name: string; server_id: number },
    fn: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    // A transaction never shares its connection with a scope's pipelined reads.
    return this.scope.exit(() => this.withTenant(db, (client) => inTransaction(client, () => fn(client))));
  }

  /** Runs `fn` connected to the hosting cluster's maintenance database (CREATE/DROP DATABASE...). */
  async withCluster<T>(
    serverId: number,
    fn: (client: pg.Client, server: HostingServerRow) => Promise<T>,
  ): Promise<T> {
    return this.leased(serverId, MAINTENANCE_DATABASE, fn);
  }

  /**
   * Runs `fn` with every `withTenant` inside it (not the transactions) sharing one connection per
   * database with the other reads in flight, of this scope and of the others: the Tools page's
   * sections read their tenant concurrently, and their queries, with those of the pages loading at
   * the same time, leave together on that connection (pipeline mode). Reads only: a shared
   * connection never carries a transaction (withTenantTransaction leaves the scope).
   */
  shareReads<T>(fn: () => Promise<T>): Promise<T> {
    return this.scope.run(new Map(), fn);
  }

  /**
   * Inside a `shareReads` scope, the read under `key` runs once and every caller of the scope gets
   * its answer (a page's sections that need the same server row or the same users list); outside,
   * it simply runs. A scope is one page load: the next one reads afresh.
   */
  readOnce<T>(key: string, read: () => Promise<T>): Promise<T> {
    const reads = this.scope.getStore();
    if (!reads) return read();
    let answer = reads.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = read();
      reads.set(key, answer);
    }
    return answer;
  }

  /** Closes the pooled connections to a database that was dropped or renamed (busy ones when they come back). */
  forget(db: { name: string; server_id: number }): void {
    this.pools.get(db.server_id)?.forget(db.name);
  }

  /** Open, idle and waiting connections of a server's pool (tests, diagnostics). */
  poolStats(serverId: number): ServerConnectionsStats | undefined {
    return this.pools.get(serverId)?.stats();
  }

  /** Closes every idle pooled connection; those in use close when released. */
  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  private pool(server: HostingServerRow): ServerConnections {
    let pool = this.pools.get(server.id);
    if (!pool) {
      pool = new ServerConnections({
        max: this.connectionsPerServer,
        connect: (database) => this.connect(this.rows.get(server.id) ?? server, database),
      });
      this.pools.set(server.id, pool);
    }
    return pool;
  }

  private async connect(server: HostingServerRow, database: string): Promise<pg.Client> {
    const config = database === MAINTENANCE_DATABASE ? this.clusterConfig(server) : this.tenantConfig(server, database);
    const client = new pg.Client({ ...config, pipeline: true });
    // A connection error after connect (server gone) must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw new TenantUnreachable(
        database === MAINTENANCE_DATABASE ? server.name : database,
        (e as Error).message,
      );
    }
    return client;
  }

  private async leased<T>(
    serverId: number,
    database: string,
    fn: (client: pg.Client, server: HostingServerRow) => Promise<T>,
  ): Promise<T> {
    const server = await this.server(serverId);
    const pool = this.pool(server);
    for (let attempt = 1; ; attempt++) {
      const lease = await pool.acquire(database);
      try {
        const result = await fn(lease.client, server);
        lease.release();
        return result;
      } catch (e) {
        const lost = isDatabaseUnreachable(e) && !(e instanceof DomainError);
        lease.release(lost);
        if (attempt === 1 && lost && ranNothing(lease)) continue;
        throw e;
      }
    }
  }

  private async shared<T>(
    db: { name: string; server_id: number },
    fn: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    const key = `${db.server_id}/${db.name}`;
    for (let attempt = 1; ; attempt++) {
      let shared = this.readLeases.get(key);
      if (!shared) {
        const lease = this.server(db.server_id).then((server) => this.pool(server).acquire(db.name));
        const entry: SharedLease = { lease, users: 0, unusable: false };
        // Callers see the failure; the next reads try again.
        lease.catch(() => {
          if (this.readLeases.get(key) === entry) this.readLeases.delete(key);
        });
        shared = entry;
        this.readLeases.set(key, shared);
      }
      shared.users++;
      let lease: Lease | undefined;
      try {
        lease = await shared.lease;
        return await fn(lease.client);
      } catch (e) {
        if (isDatabaseUnreachable(e) && !(e instanceof DomainError)) {
          shared.unusable = true;
          // The next reads open another connection.
          if (this.readLeases.get(key) === shared) this.readLeases.delete(key);
          if (attempt === 1 && lease && ranNothing(lease)) continue;
        }
        throw e;
      } finally {
        // The last reader gives the connection back to the pool (where the next reads find it idle).
        if (--shared.users === 0) {
          if (this.readLeases.get(key) === shared) this.readLeases.delete(key);
          const unusable = shared.unusable;
          shared.lease.then(
            (l) => l.release(unusable),
            () => undefined,
          );
        }
      }
    }
  }
}

/**
 * A pooled connection the server ended while it sat idle (restart, pg_terminate_backend) fails
 * on its first statement: nothing ran, so the call may run again on a fresh connection. One that
 * had answered a query in this call may have done something: that call fails instead.
 */
function ranNothing(lease: Lease): boolean {
  return lease.reused && lease.succeeded() === 0;
}
