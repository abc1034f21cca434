/**
 * A hosting server of a test file's own, served by real Odoo behind its nginx: its own metabase
 * (on the run's cluster), the server pointed at the Odoo trees of the series asked
 * (`odooAddonsPaths`), the API, the front end with one Odoo worker per series, the job worker.
 * Databases made by Odoo are placed on it as customers' are. The same setup as
 * test/integration/odoo-serve.test.ts, shared here for the files that need it too.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { hashPassword } from '../../src/agents/password.js';
import { createServer } from '../../src/api/server.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { databaseHost, startFrontEnds, type RunningFrontEnd } from '../../src/frontend/index.js';
import { dropTenantRole, tenantRoleName } from '../../src/hosting/tenant-role.js';
import { upsertAgent } from '../../src/metabase/repositories/agents.js';
import { listServers } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { treeAddonsPaths } from '../../src/odoo/tree.js';
import { workerRoleName } from '../../src/odoo/worker-role.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';
import { testEnv } from './env.js';
import type { FrontEndAnswer } from './front-end.js';
import { odooLoginPageThrough, placeOdooMadeDatabase, throughFrontEnd } from './odoo-platform.js';
import { connectTestApp } from './platform.js';
import { realOdooTree } from './real-odoo.js';
import { embeddedServer } from './tenants.js';

export interface OdooHosting {
  app: App;
  /** The hosting server, with its front end's ports once started. */
  server: HostingServerRow;
  /** The API's base URL (AgentSession.login(login, password, base)). */
  base: string;
  /** A folder of the test's own, removed at stop. */
  dir: string;
  running: RunningFrontEnd;
  hostOf(database: string): string;
  /** A GET through the front end's plain HTTP port for `host`, with a cookie, redirects not followed. */
  get(host: string, urlPath?: string, cookie?: string): Promise<FrontEndAnswer>;
  /** Polls until `host` answers Odoo's login page through the front end (Odoo starting). */
  loginPage(host: string, ms?: number): Promise<FrontEndAnswer>;
  stop(): Promise<void>;
}

export async function startOdooHosting(options: {
  /** The hosting server's name (its worker role is named after it). */
  name: string;
  series: OdooSeries[];
  agents: { login: string; name: string; level: number }[];
  password: string;
  /**
   * Databases made by Odoo (pg_dump files), placed as customers' are: restored by a loader role,
   * given to their tenant role, in the metabase as the demo's acme-bakery is.
   */
  databases: { name: string; series: OdooSeries; dump: string }[];
}): Promise<OdooHosting> {
  const shared = await connectTestApp();
  const local = await embeddedServer(shared);
  const metabaseName = `dbtools_${options.name.replace(/-/g, '_')}_${process.pid}_${Date.now().toString(36)}`;
  await shared.tenants.withCluster(local.id, (admin) => admin.query(`CREATE DATABASE ${metabaseName}`));
  const adminUrl = `postgres://${encodeURIComponent(local.superuser)}:${encodeURIComponent(local.password ?? '')}@127.0.0.1:${local.port}`;
  const dir = await mkdtemp(path.join(tmpdir(), `dbtools-${options.name}-`));
  await chmod(dir, 0o755);
  const placed: string[] = [];
  let platform: Platform | undefined;
  let api: Awaited<ReturnType<typeof createServer>> | undefined;
  let frontEnds: { running: RunningFrontEnd[]; stop(): Promise<void> } | undefined;

  const stop = async () => {
    await api?.close();
    await frontEnds?.stop();
    await platform?.close();
    await shared.tenants.withCluster(local.id, async (admin) => {
      for (const name of placed) {
        const { rows } = await admin.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE datname LIKE $1`,
          [`${name}%`],
        );
        for (const { datname } of rows) {
          await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
          await dropTenantRole(admin, tenantRoleName(datname));
        }
      }
      await admin.query(`DROP DATABASE IF EXISTS ${metabaseName} WITH (FORCE)`);
      // The workers' role and its grants on the shared cluster's maintenance database.
      const worker = pg.escapeIdentifier(workerRoleName(options.name));
      await admin.query(`DROP OWNED BY ${worker}`).catch(() => undefined);
      await admin.query(`ALTER ROLE ${worker} IN DATABASE postgres RESET ALL`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${worker}`).catch(() => undefined);
    });
    await shared.close();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const odooAddonsPaths: Record<string, string[]> = {};
    for (const series of options.series)
      odooAddonsPaths[series] = treeAddonsPaths(await realOdooTree(series));
    const serverDir = path.join(dir, options.name);
    const configFile = path.join(dir, 'servers.json');
    await writeFile(
      configFile,
      JSON.stringify({
        servers: [
          {
            name: options.name,
            url: `${adminUrl}/postgres`,
            filestoreRoot: path.join(serverDir, 'filestore'),
            backupRoot: path.join(serverDir, 'backups'),
            logDir: path.join(serverDir, 'logs'),
            configDir: path.join(serverDir, 'config'),
            odooAddonsPaths,
          },
        ],
      }),
    );
    const config = loadConfig(
      testEnv(dir, { DBTOOLS_METABASE_URL: `${adminUrl}/${metabaseName}`, DBTOOLS_CONFIG: configFile }),
    );
    platform = await startPlatform(config, { durable: false, log: pino({ level: 'warn' }) });
    const app = platform.app;
    let server = (await listServers(app.metabase)).find((s) => s.name === options.name)!;
    for (const d of ['filestore', 'backups', 'logs', 'config'])
      await mkdir(path.join(serverDir, d), { recursive: true });
    const passwordHash = await hashPassword(options.password);
    for (const agent of options.agents)
      await upsertAgent(app.metabase, { ...agent, password_hash: passwordHash });
    // The API first: the workers are told where it is (the support login's verify).
    api = await createServer(app);
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    const base = `http://127.0.0.1:${address.port}`;
    app.config.publicUrl = base;
    const place = async (name: string, series: OdooSeries, dump: string) => {
      placed.push(name);
      await placeOdooMadeDatabase(app, server, name, dump, series);
    };
    // Placed before the front end starts: a worker's start grants it what is active.
    for (const d of options.databases) await place(d.name, d.series, d.dump);
    frontEnds = await startFrontEnds(app, [server]);
    const running = frontEnds.running[0];
    server = running.server;
    await platform.startWorker();

    const hostOf = (database: string) => databaseHost(database, app.config.platformZone);
    const get = (host: string, urlPath = '/web/login', cookie?: string) =>
      throughFrontEnd(server, host, urlPath, cookie);
    const loginPage = (host: string, ms = 180_000) => odooLoginPageThrough(server, host, ms);
    return {
      app,
      get server() {
        return server;
      },
      base,
      dir,
      running,
      hostOf,
      get,
      loginPage,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
