import { dropTenantRole, ensureTenantRole, giveDatabaseToRole, tenantRoleName } from '../../src/hosting/tenant-role.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { listServers } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { TenantAccess } from '../../src/tenant/access.js';
import { ServerConnections } from '../../src/tenant/server-connections.js';
import { connectTestApp } from '../support/platform.js';

let app: App & { close(): Promise<void> };
let server: HostingServerRow;
const prefix = `pool_${process.pid}_`;
const DATABASES = 100;
const names = Array.from({ length: DATABASES }, (_, i) => `${prefix}${i}`);
const TAG = `dbtools-pool-test-${process.pid}`;

beforeAll(async () => {
  app = await connectTestApp();
  [server] = await listServers(app.metabase);
  await app.tenants.withCluster(server.id, async (admin) => {
    for (const name of names) {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
      // The platform reaches a tenant only as the tenant's own role.
      await ensureTenantRole(admin, app.tenants.tenantLogin(name));
      await giveDatabaseToRole(admin, name, tenantRoleName(name));
    }
  });
}, 180_000);

afterAll(async () => {
  await app.tenants.withCluster(server.id, async (admin) => {
    for (const name of names) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropTenantRole(admin, tenantRoleName(name));
    }
  });
  await app.close();
}, 120_000);

/** A pool of the test cluster whose connections are recognisable in pg_stat_activity. */
function pool(max: number): ServerConnections {
  return new ServerConnections({
    max,
    connect: async (database) => {
      const client = new pg.Client({
        ...app.tenants.tenantConfig(server, database),
        application_name: TAG,
      });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
  });
}

/** Sessions of the cluster opened by `pool()`, per database. */
async function sessions(): Promise<Map<string, number>> {
  return app.tenants.withCluster(server.id, async (admin) => {
    const { rows } = await admin.query<{ datname: string; n: number }>(
      `SELECT datname, count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 GROUP BY datname`,
      [TAG],
    );
    return new Map(rows.map((r) => [r.datname, r.n]));
  });
}

describe('tenant connection pool', () => {
  it('never opens more than its budget on a server while 100 databases are read at once, and serves every read', async () => {
    const connections = pool(8);
    let peakOpen = 0;
    let peakSessions = 0;
    const reads = names
      .flatMap((name) => [name, name])
      .map(async (name) => {
        const lease = await connections.acquire(name);
        try {
          peakOpen = Math.max(peakOpen, connections.stats().open);
          const { rows } = await lease.client.query<{ db: string }>(
            'SELECT current_database() AS db, pg_sleep(0.005)',
          );
          return rows[0].db;
        } finally {
          lease.release();
        }
      });
    const watch = setInterval(() => {
      void sessions().then(
        (s) =>
          (peakSessions = Math.max(
            peakSessions,
            [...s.values()].reduce((a, b) => a + b, 0),
          )),
      );
    }, 20);
    const answered = await Promise.all(reads).finally(() => clearInterval(watch));
    expect(answered).toEqual(names.flatMap((name) => [name, name]));
    expect(peakOpen).toBeLessThanOrEqual(8);
    expect(peakSessions).toBeLessThanOrEqual(8);
    expect(connections.stats().open).toBeLessThanOrEqual(8);
    connections.close();
  });

  it('gives the slot of the least recently used idle database to another, and lends a kept connection again', async () => {
    const connections = pool(2);
    const pid = async (name: string) => {
      const lease = await connections.acquire(name);
      const { rows } = await lease.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const reused = lease.reused;
      lease.release();
      return { pid: rows[0].pid, reused };
    };
    const [a, b, c] = names;
    const first = await pid(a);
    const second = await pid(b);
    expect([first.reused, second.reused]).toEqual([false, false]);
    // Full: the third database takes the place of the oldest idle one (a).
    await pid(c);
    expect(connections.stats().databases).toEqual({ [b]: 1, [c]: 1 });
    const again = await pid(b);
    expect(again).toEqual({ pid: second.pid, reused: true });
    // a was evicted: it gets a new connection, in place of c (now the oldest idle).
    const back = await pid(a);
    expect(back.reused).toBe(false);
    expect(back.pid).not.toBe(first.pid);
    expect(connections.stats().databases).toEqual({ [a]: 1, [b]: 1 });
    connections.close();
    await expect.poll(async () => (await sessions()).size).toBe(0);
  });

  it('queues callers when every connection is busy and serves them in turn as connections come back', async () => {
    const connections = pool(2);
    const held = await Promise.all([connections.acquire(names[0]), connections.acquire(names[1])]);
    const waiting = connections.acquire(names[2]);
    expect(connections.stats()).toMatchObject({ open: 2, waiting: 1 });
    held[0].release();
    const lease = await waiting;
    const { rows } = await lease.client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0].db).toBe(names[2]);
    expect(connections.stats().open).toBe(2);
    lease.release();
    held[1].release();
    connections.close();
  });

  it('closes the connections of a forgotten (dropped) database, so it drops without forcing anyone out', async () => {
    const access = new TenantAccess(app.metabase, app.secret, 4);
    const name = names[3];
    const db = { name, server_id: server.id };
    await access.withTenant(db, (c) => c.query('SELECT 1'));
    expect(access.poolStats(server.id)?.databases).toEqual({ [name]: 1 });
    access.forget(db);
    expect(access.poolStats(server.id)?.databases).toEqual({});
    await app.tenants.withCluster(server.id, async (admin) => {
      await expect
        .poll(
          async () =>
            (await admin.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name])).rowCount,
        )
        .toBe(0);
      // No FORCE: it fails (55006) if any session is still on the database.
      await admin.query(`DROP DATABASE "${name}"`);
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
    });
    access.close();
  });

  it('replaces a kept connection the server ended while it was idle, and the call runs once on the new one', async () => {
    const access = new TenantAccess(app.metabase, app.secret, 4);
    const db = { name: names[4], server_id: server.id };
    const pid = () =>
      access.withTenant(
        db,
        async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid,
      );
    const first = await pid();
    await app.tenants.withCluster(server.id, (admin) =>
      admin.query('SELECT pg_terminate_backend($1)', [first]),
    );
    const second = await pid();
    expect(second).not.toBe(first);
    expect(access.poolStats(server.id)?.open).toBe(1);
    access.close();
  });

  it('lets concurrent reads of a shareReads scope share one connection per database, and transactions keep their own', async () => {
    const access = new TenantAccess(app.metabase, app.secret, 8);
    const db = { name: names[5], server_id: server.id };
    // Each read lasts 50 ms, so the transaction runs while the shared connection is in use.
    const backend = (c: pg.Client) =>
      c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)').then((r) => r.rows[0].pid);
    const [reads, tx] = await access.shareReads(() =>
      Promise.all([
        Promise.all(Array.from({ length: 6 }, () => access.withTenant(db, backend))),
        access.withTenantTransaction(db, backend),
      ]),
    );
    expect(new Set(reads).size).toBe(1);
    expect(tx).not.toBe(reads[0]);
    // Outside a scope, concurrent calls each take a connection of their own.
    // Each holds its connection until all three hold one, so none can hand its own to another.
    let arrived = 0;
    let allHere!: () => void;
    const barrier = new Promise<void>((resolve) => (allHere = resolve));
    const holding = async (c: pg.Client) => {
      const pid = await backend(c);
      if (++arrived === 3) allHere();
      await barrier;
      return pid;
    };
    const apart = await Promise.all(Array.from({ length: 3 }, () => access.withTenant(db, holding)));
    expect(new Set(apart).size).toBe(3);
    access.close();
  });
});
