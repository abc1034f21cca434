import { sql } from 'kysely';
import { execFile } from 'node:child_process';
import { chmod, link, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import { startCluster, type EmbeddedCluster } from '../../src/hosting/cluster.js';
import { SERVER_ANSWER_MS } from '../../src/observability/server-overview.js';
import { diskUsedUnder } from '../../src/hosting/server-status.js';
import { frontEndOf } from '../../src/metabase/repositories/front-ends.js';
import { upsertServer } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { EMBEDDED_SERVERS } from '../../src/platform.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

const run = promisify(execFile);
let app: App & { close(): Promise<void> };
let local: HostingServerRow;
let local2: HostingServerRow;
let helpdesk: AgentSession;

/** A query on a hosting cluster's maintenance database, straight through pg (not the code under test). */
async function onCluster<T extends pg.QueryResultRow>(
  server: HostingServerRow,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client(app.tenants.clusterConfig(server));
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function listed(session = helpdesk) {
  const res = await session.call('GET /api/servers');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

/**
 * A figure of the server's listing beside the same figure measured just before and after it,
 * taken only when the measure held still (within `within`) across the listing: other files of the
 * run make, move and drop databases on both servers meanwhile.
 */
async function listedWhileStill(
  serverName: string,
  pick: (item: Awaited<ReturnType<typeof listed>>[number]) => number,
  measure: () => Promise<number>,
  what: string,
  within = 0,
): Promise<{ listed: number; measured: number }> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const before = await measure();
    const listedNow = pick((await listed()).find((i) => i.name === serverName)!);
    if (Math.abs((await measure()) - before) <= within) return { listed: listedNow, measured: before };
  }
  throw new Error(`${what} never held still while listing`);
}

beforeAll(async () => {
  app = await connectTestApp();
  local = await embeddedServer(app, 'local');
  local2 = await embeddedServer(app, 'local2');
  helpdesk = await AgentSession.login('helpdesk');
});
afterAll(() => app.close());

describe('the embedded default runs two hosting servers', () => {
  it('local and local2 are two PostgreSQL clusters, each with its own data folder and its own filestore, backup, log and config folders', async () => {
    expect(EMBEDDED_SERVERS).toEqual(['local', 'local2']);
    const [a] = await onCluster<{ dir: string }>(local, `SELECT current_setting('data_directory') AS dir`);
    const [b] = await onCluster<{ dir: string }>(local2, `SELECT current_setting('data_directory') AS dir`);
    expect(a.dir).not.toBe(b.dir);
    expect(`${local.host}:${local.port}`).not.toBe(`${local2.host}:${local2.port}`);
    for (const key of ['filestore_root', 'backup_root', 'log_dir', 'config_dir'] as const) {
      expect(local2[key]).not.toBe(local[key]);
      expect(local2[key].startsWith(path.join(path.dirname(path.dirname(local[key])), 'local2'))).toBe(true);
    }
    // Neither holds the metabase: it has a cluster of its own, which no tenant shares.
    const metabaseOn = async (s: HostingServerRow) =>
      (await onCluster(s, `SELECT 1 FROM pg_database WHERE datname = 'dbtools'`)).length;
    expect(await metabaseOn(local)).toBe(0);
    expect(await metabaseOn(local2)).toBe(0);
    const [metabaseDir] = (
      await sql<{ dir: string }>`SELECT current_setting('data_directory') AS dir`.execute(app.metabase)
    ).rows;
    expect([a.dir, b.dir]).not.toContain(metabaseDir.dir);
  });

  it('the demo databases are spread over both servers, each one on the cluster its row names and not on the other', async () => {
    const names = demoDatabases(new Date()).map((d) => d.metabase.name);
    const rows = await app.metabase
      .selectFrom('database')
      .select(['name', 'server_id'])
      .where('name', 'in', names)
      .execute();
    const on = async (s: HostingServerRow) =>
      new Set(
        (await onCluster<{ datname: string }>(s, 'SELECT datname FROM pg_database')).map((r) => r.datname),
      );
    const [first, second] = [await on(local), await on(local2)];
    const placed = { local: 0, local2: 0 };
    for (const row of rows) {
      const here = row.server_id === local.id;
      // A demo database a test removed has neither; one that exists is on its own server only.
      if (!first.has(row.name) && !second.has(row.name)) continue;
      expect([row.name, (here ? first : second).has(row.name)]).toEqual([row.name, true]);
      expect([row.name, (here ? second : first).has(row.name)]).toEqual([row.name, false]);
      placed[here ? 'local' : 'local2']++;
    }
    expect(placed.local).toBeGreaterThanOrEqual(10);
    expect(placed.local2).toBeGreaterThanOrEqual(10);
  });

  it('a database on the second server opens its Tools page, and the search filters by that server', async () => {
    const db = await createTestTenant(app, { prefix: 'srv2', server: 'local2' });
    const page = await helpdesk.call('GET /api/databases/:name', { params: { name: db.name } });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    const found = await helpdesk.call('GET /api/databases', { query: { q: db.name, server: 'local2' } });
    expect(found.body.items.map((i) => [i.name, i.server])).toEqual([[db.name, 'local2']]);
    const elsewhere = await helpdesk.call('GET /api/databases', { query: { q: db.name, server: 'local' } });
    expect(elsewhere.body.items).toEqual([]);
  });
});

describe('GET /api/servers', () => {
  it('needs the servers access key: level 1 and up see it, a viewer gets 403', async () => {
    expect((await (await AgentSession.login('viewer')).get('/api/servers')).status).toBe(403);
    expect(app.policy.minimumLevel('servers')).toBe(1);
    expect((await listed()).length).toBeGreaterThanOrEqual(2);
  });

  it('gives each embedded server its own loopback front end on the shared port pair', async () => {
    const items = await listed();
    const [a, b] = [local, local2].map((s) => items.find((i) => i.name === s.name)!.frontEnd!);
    expect(a.address).not.toBe(b.address);
    expect([a.httpPort, a.httpsPort]).toEqual([b.httpPort, b.httpsPort]);
  });

  it('lists each embedded server with its active databases, disk used and free, connections and PostgreSQL version as its cluster and disk say', async () => {
    const items = await listed();
    for (const server of [local, local2]) {
      const item = items.find((i) => i.name === server.name)!;
      expect(Object.keys(item).sort()).toEqual(
        [
          'connections',
          'databases',
          'diskFreeBytes',
          'diskUsedBytes',
          'frontEnd',
          'healthy',
          'name',
          'odooSeries',
          'pgVersion',
        ].sort(),
      );
      expect(item.healthy).toBe(true);
      // The suite's platform has no Odoo source (DBTOOLS_ODOO_SOURCES unset): the placeholder serves.
      expect(item.odooSeries).toEqual([]);
      // Each embedded server's nginx: its own loopback address, the port pair every server shares.
      expect(item.frontEnd).toEqual(frontEndOf(await embeddedServer(app, server.name)));
      expect(item.frontEnd).toMatchObject({ httpPort: expect.any(Number), httpsPort: expect.any(Number) });

      const activeOn = async (): Promise<number> => {
        const { count } = await app.metabase
          .selectFrom('database')
          .select((eb) => eb.fn.countAll<string>().as('count'))
          .where('server_id', '=', server.id)
          .where('state', '=', 'active')
          .executeTakeFirstOrThrow();
        return Number(count);
      };
      const count = await listedWhileStill(server.name, (i) => i.databases, activeOn, 'the count');
      expect(count.listed).toBe(count.measured);
      expect(item.databases).toBeGreaterThan(0);

      const [pgInfo] = await onCluster<{ version: string; max: string }>(
        server,
        `SELECT current_setting('server_version') AS version, current_setting('max_connections') AS max`,
      );
      expect(pgInfo.version.startsWith(item.pgVersion!)).toBe(true);
      expect(item.pgVersion).toMatch(/^\d+\.\d+/);
      // Our own reading connection is one of them at least; never more than the cluster allows.
      expect(item.connections).toBeGreaterThanOrEqual(1);
      expect(item.connections).toBeLessThanOrEqual(Number(pgInfo.max));

      // du counts a hard-linked file once, as the listing does; PostgreSQL writes its statistics
      // meanwhile, so the disk use holds still within a few pages.
      const usedOnDisk = async (): Promise<number> => {
        const [{ bytes }] = await onCluster<{ bytes: string }>(
          server,
          `SELECT sum(pg_database_size(oid))::text AS bytes FROM pg_database`,
        );
        const du = Number((await run('du', ['-s', '-B1', server.filestore_root])).stdout.split('\t')[0]);
        return Number(bytes) + du;
      };
      const disk = await listedWhileStill(
        server.name,
        (i) => i.diskUsedBytes!,
        usedOnDisk,
        'the disk use',
        64 * 1024,
      );
      // du also counts the folders (the listing counts files): local holds most of the run's databases.
      const slack = server === local2 ? 4096 * 400 : disk.measured * 0.05;
      expect(Math.abs(disk.listed - disk.measured)).toBeLessThan(slack);

      const df = Number(
        (await run('df', ['-B1', '--output=avail', server.filestore_root])).stdout.trim().split('\n')[1],
      );
      expect(Math.abs(item.diskFreeBytes! - df)).toBeLessThan(256 * 1024 * 1024);
    }
  });
});

describe('disk used under a folder', () => {
  it('counts allocated blocks, a hard-linked file once (a duplicate shares its source files), an absent folder as none', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtools-du-'));
    try {
      await mkdir(path.join(dir, 'a', 'b'), { recursive: true });
      await writeFile(path.join(dir, 'a', 'b', 'one'), Buffer.alloc(100_000, 1));
      await writeFile(path.join(dir, 'two'), Buffer.alloc(10, 2));
      const alone = await diskUsedUnder(dir);
      const blocks = async (f: string) => Number((await stat(f)).blocks) * 512;
      expect(alone).toBe(
        (await blocks(path.join(dir, 'a', 'b', 'one'))) + (await blocks(path.join(dir, 'two'))),
      );
      expect(alone).toBeGreaterThanOrEqual(100_000);
      await link(path.join(dir, 'a', 'b', 'one'), path.join(dir, 'linked'));
      expect(await diskUsedUnder(dir)).toBe(alone);
      expect(await diskUsedUnder(path.join(dir, 'absent'))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a server that does not answer', () => {
  let dir: string;
  let cluster: EmbeddedCluster;
  const name = `zz-servers-${process.pid}`;

  beforeAll(async () => {
    // A cluster of this file's own: stopping one of the run's would pull it from under other files.
    dir = await mkdtemp(path.join(tmpdir(), 'dbtools-servers-'));
    await chmod(dir, 0o755);
    cluster = await startCluster({ dir: path.join(dir, 'pg'), durable: false });
    const folder = (f: string) => path.join(dir, 'hosting', f);
    for (const f of ['filestore', 'backups', 'logs', 'config']) await mkdir(folder(f), { recursive: true });
    await upsertServer(app.metabase, {
      name,
      host: cluster.socketDir,
      port: cluster.port,
      superuser: cluster.superuser,
      password: cluster.password,
      filestore_root: folder('filestore'),
      backup_root: folder('backups'),
      log_dir: folder('logs'),
      config_dir: folder('config'),
    });
  });
  afterAll(async () => {
    await app.metabase.deleteFrom('hosting_server').where('name', '=', name).execute();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is listed healthy while its cluster runs, then unhealthy once it is stopped, within the answer time, while the others stay healthy', async () => {
    const before = (await listed()).find((i) => i.name === name)!;
    expect(before).toMatchObject({
      healthy: true,
      databases: 0,
      connections: expect.any(Number),
      pgVersion: expect.any(String),
    });

    await cluster.stop();
    const started = Date.now();
    const items = await listed();
    expect(Date.now() - started).toBeLessThan(SERVER_ANSWER_MS + 1_500);
    const after = items.find((i) => i.name === name)!;
    expect(after).toEqual({
      name,
      databases: 0,
      diskUsedBytes: null,
      diskFreeBytes: expect.any(Number),
      connections: null,
      pgVersion: null,
      healthy: false,
      frontEnd: null,
      odooSeries: [],
    });
    for (const s of ['local', 'local2']) expect(items.find((i) => i.name === s)!.healthy).toBe(true);
  });
});
