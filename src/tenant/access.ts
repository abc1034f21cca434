import pg from 'pg';
import '../pg-types.js';
import { inTransaction } from './transaction.js';
import pLimit, { type LimitFunction } from 'p-limit';
import type { MetabaseDb } from '../metabase/connect.js';
import { findServerById } from '../metabase/repositories/servers.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { isValidDatabaseName, InvalidDatabaseName } from '../hosting/database-name.js';
import { DomainError } from '../errors.js';

/** How many connections the console opens at once to one hosting server. */
const PER_SERVER_CONNECTIONS = 4;

export class TenantUnreachable extends DomainError {
  constructor(database: string, reason: string) {
    super('tenant_unreachable', 503, `The database ${database} cannot be reached: ${reason}`);
  }
}

/**
 * Connections to tenant databases and to hosting clusters. Bounded per hosting server so
 * a page full of tool sections cannot flood a customer's cluster.
 */
export class TenantAccess {
  private readonly limits = new Map<number, LimitFunction>();

  constructor(private readonly metabase: MetabaseDb) {}

  async server(serverId: number): Promise<HostingServerRow> {
    const server = await findServerById(this.metabase, serverId);
    if (!server) throw new Error(`Hosting server ${serverId} is not registered`);
    return server;
  }

  connectionConfig(server: HostingServerRow, database: string): pg.ClientConfig {
    return {
      host: server.host,
      port: server.port,
      user: server.superuser,
      password: server.password ?? undefined,
      database,
      connectionTimeoutMillis: 5_000,
      application_name: 'dbtools',
    };
  }

  private limit(serverId: number): LimitFunction {
    let limit = this.limits.get(serverId);
    if (!limit) {
      limit = pLimit(PER_SERVER_CONNECTIONS);
      this.limits.set(serverId, limit);
    }
    return limit;
  }

  /** Runs `fn` with a connection to the tenant database itself. */
  async withTenant<T>(db: { name: string; server_id: number }, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    if (!isValidDatabaseName(db.name)) throw new InvalidDatabaseName(db.name);
    const server = await this.server(db.server_id);
    return this.limit(db.server_id)(() => this.connected(this.connectionConfig(server, db.name), db.name, fn));
  }

  /** Runs `fn` inside one tenant transaction: all of it or nothing. */
  withTenantTransaction<T>(db: { name: string; server_id: number }, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    return this.withTenant(db, (client) => inTransaction(client, () => fn(client)));
  }

  /** Runs `fn` connected to the hosting cluster's maintenance database (CREATE/DROP DATABASE...). */
  async withCluster<T>(serverId: number, fn: (client: pg.Client, server: HostingServerRow) => Promise<T>): Promise<T> {
    const server = await this.server(serverId);
    return this.limit(serverId)(() => this.connected(this.connectionConfig(server, 'postgres'), server.name, (c) => fn(c, server)));
  }

  private async connected<T>(config: pg.ClientConfig, label: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client(config);
    // A connection error after connect (server gone) must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      throw new TenantUnreachable(label, (e as Error).message);
    }
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
