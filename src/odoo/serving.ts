import { chown, mkdir, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import type { Config } from '../config/config.js';
import { clusterOwner, freePort } from '../hosting/cluster.js';
import { databaseExists } from '../hosting/cluster-databases.js';
import { LIVE_FILE } from '../logs/layout.js';
import { frontEndOf } from '../metabase/repositories/front-ends.js';
import { activeDatabaseNamesOnServer, findDatabase } from '../metabase/repositories/databases.js';
import type { DatabaseRow, HostingServerRow } from '../metabase/schema.js';
import { ODOO_SERIES, odooSeries, type OdooSeries } from '../tenant/odoo-version.js';
import { odooAddonsPathsOf } from './addons-paths.js';
import { OdooWorker } from './odoo-worker.js';
import { isOdooTree } from './tree.js';
import {
  databasesServedByWorker,
  ensureWorkerRole,
  grantWorkerAccess,
  revokeWorkerAccess,
  workerLogin,
} from './worker-role.js';

/** The nginx upstream of a series' Odoo workers on a server the platform runs the front end of. */
export function odooUpstreamName(series: OdooSeries): string {
  return `odoo_${series.replace('.', '_')}`;
}

export interface OdooSource {
  series: OdooSeries;
  tree: string;
  addonsPaths: string[];
}

/**
 * The Odoo tree behind an addons path: the folder whose `odoo/addons` (base) is on it and which
 * holds `odoo-bin` (a server's own checkouts name it last, see odooAddonsPaths).
 */
async function treeOf(addonsPaths: string[]): Promise<string | undefined> {
  for (const p of addonsPaths) {
    const tree = path.dirname(path.dirname(path.normalize(p)));
    if (path.basename(path.normalize(p)) === 'addons' && (await isOdooTree(tree))) return tree;
  }
  return undefined;
}

/**
 * The Odoo a server runs for `series`: its odooAddonsPaths (config file) or DBTOOLS_ODOO_SOURCES'
 * tree (odooAddonsPathsOf), with the tree holding its odoo-bin. Undefined: no Odoo for the series.
 */
export async function odooSourceOf(config: Config, serverName: string, series: OdooSeries): Promise<OdooSource | undefined> {
  const addonsPaths = await odooAddonsPathsOf(config, serverName, series);
  if (!addonsPaths) return undefined;
  const tree = await treeOf(addonsPaths);
  return tree ? { series, tree, addonsPaths } : undefined;
}

/** Every series a server has an Odoo for. */
export async function odooSourcesOf(config: Config, serverName: string): Promise<OdooSource[]> {
  const found: OdooSource[] = [];
  for (const series of ODOO_SERIES) {
    const source = await odooSourceOf(config, serverName, series);
    if (source) found.push(source);
  }
  return found;
}

/**
 * Who serves a database on its server's front end: the Odoo workers of its series (their
 * upstream) when the platform runs that server's front end and has an Odoo for the series,
 * else the placeholder (`null`: the front end's default upstream).
 */
export async function odooUpstreamOf(
  app: App,
  server: HostingServerRow,
  version: string,
): Promise<string | null> {
  if (!frontEndOf(server)) return null;
  let series: OdooSeries;
  try {
    series = odooSeries(version);
  } catch {
    return null;
  }
  return (await odooSourceOf(app.config, server.name, series)) ? odooUpstreamName(series) : null;
}

/** Whether Odoo should serve this database now: active, and not dropped (a dropped customer cannot log in). */
function served(db: Pick<DatabaseRow, 'state' | 'mode'>): boolean {
  return db.state === 'active' && db.mode !== 'drop';
}

/**
 * Keeps the workers' role in step with one database (created, restored, moved, dropped,
 * undropped, removed): it serves it as the tenant's role exactly when the database is served.
 * Nothing when the server has no Odoo (no worker role there). `row` is the database as it is now
 * (an operation passes it before its transaction commits); `formerServer` a server it left.
 */
export async function syncOdooAccess(
  app: App,
  database: string,
  opts: { row?: Pick<DatabaseRow, 'name' | 'server_id' | 'state' | 'mode'>; formerServer?: HostingServerRow } = {},
): Promise<void> {
  const row = opts.row ?? (await findDatabase(app.metabase, database));
  if (opts.formerServer && (await odooSourcesOf(app.config, opts.formerServer.name)).length) {
    const worker = workerLogin(app.secret, opts.formerServer.name).role;
    await app.tenants.withCluster(opts.formerServer.id, (admin) => revokeWorkerAccess(admin, worker, database));
  }
  if (!row) return;
  const server = await app.tenants.server(row.server_id);
  if (!(await odooSourcesOf(app.config, server.name)).length) return;
  const login = workerLogin(app.secret, server.name);
  await app.tenants.withCluster(server.id, async (admin) => {
    await ensureWorkerRole(admin, login);
    if (served(row) && (await databaseExists(admin, database))) await grantWorkerAccess(admin, login.role, database);
    else await revokeWorkerAccess(admin, login.role, database);
  });
  if (served(row)) await giveFilestoreToOdoo(server, database);
}

/**
 * The workers' role serves exactly the server's active, undropped databases: those missing are
 * granted, those no longer served revoked. Run when the workers start.
 */
async function syncServerAccess(app: App, server: HostingServerRow): Promise<string[]> {
  const login = workerLogin(app.secret, server.name);
  const active = await activeDatabaseNamesOnServer(app.metabase, server.id);
  const rows = await Promise.all(active.map((name) => findDatabase(app.metabase, name)));
  const wanted = new Set(rows.flatMap((r) => (r && served(r) ? [r.name] : [])));
  await app.tenants.withCluster(server.id, async (admin) => {
    await ensureWorkerRole(admin, login);
    const existing = new Set(
      (await admin.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname),
    );
    for (const name of wanted) if (existing.has(name)) await grantWorkerAccess(admin, login.role, name);
    for (const name of await databasesServedByWorker(admin, login.role)) {
      if (!wanted.has(name)) await revokeWorkerAccess(admin, login.role, name);
    }
  });
  for (const name of wanted) await giveFilestoreToOdoo(server, name);
  return [...wanted];
}

/**
 * Odoo writes a database's attachments (its assets bundles too) under `<filestore>/<database>`.
 * When we run as root, Odoo runs as another user (see clusterOwner): the folder is made its.
 */
async function giveFilestoreToOdoo(server: HostingServerRow, database: string): Promise<void> {
  const owner = clusterOwner();
  const dir = path.join(server.filestore_root, database);
  await mkdir(dir, { recursive: true });
  if (!owner) return;
  await chownTree(dir, owner.uid, owner.gid);
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid, gid);
    else if (entry.isFile()) await chown(p, uid, gid);
  }
}

/**
 * Odoo's data dir for a series on a server: `filestore` is a link to the server's filestore root
 * (Odoo's layout `<data_dir>/filestore/<database>` is then the platform's
 * `<filestore_root>/<database>`), and its sessions and downloaded addons stay beside it, per series.
 */
async function prepareDataDir(server: HostingServerRow, series: OdooSeries): Promise<string> {
  const dir = path.join(server.config_dir, 'odoo', series);
  await mkdir(dir, { recursive: true });
  const link = path.join(dir, 'filestore');
  if ((await readlink(link).catch(() => undefined)) !== server.filestore_root) {
    await rm(link, { force: true, recursive: true });
    await symlink(server.filestore_root, link);
  }
  const owner = clusterOwner();
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(server.filestore_root, owner.uid, owner.gid);
  }
  return dir;
}

/** Where Odoo reaches the platform's API (the support login's verify): DBTOOLS_PUBLIC_URL, else where it listens. */
function platformUrl(app: App): string {
  if (app.config.publicUrl) return app.config.publicUrl;
  const host = app.config.host.includes(':') ? `[${app.config.host}]` : app.config.host;
  return `http://${host}:${app.config.port}`;
}

/**
 * The worker's Odoo configuration file: only what has no command-line option, the platform's URL
 * for dbtools_support (read with odoo.tools.config.get). No secret in it: the database password
 * reaches Odoo through its environment.
 */
async function writeOdooConfig(server: HostingServerRow, series: OdooSeries, url: string): Promise<string> {
  if (/[\r\n]/.test(url)) throw new Error('the platform URL holds a line break');
  const file = path.join(server.config_dir, 'odoo', series, 'odoo.conf');
  await writeFile(file, `[options]\ndbtools_url = ${url}\n`, { mode: 0o644 });
  return file;
}

export interface RunningOdooWorkers {
  workers: OdooWorker[];
  /** nginx upstreams: name → host:port. */
  upstreams: { name: string; address: string }[];
  stop(): Promise<void>;
}

/**
 * Starts one supervised Odoo server per series the server has an Odoo for, bound to the
 * server's loopback front-end address, logging to the server's technical log, after putting its
 * role in step with the server's databases. Answers at once (Odoo takes a few seconds to listen;
 * nginx answers 502 meanwhile). No Odoo source: no workers, the placeholder serves.
 */
export async function startOdooWorkers(app: App, server: HostingServerRow): Promise<RunningOdooWorkers> {
  const sources = await odooSourcesOf(app.config, server.name);
  const frontEnd = frontEndOf(server);
  if (!sources.length || !frontEnd) return { workers: [], upstreams: [], async stop() {} };
  await syncServerAccess(app, server);
  const login = workerLogin(app.secret, server.name);
  const owner = clusterOwner();
  const logFile = path.join(server.log_dir, LIVE_FILE);
  await mkdir(server.log_dir, { recursive: true });
  await writeFile(logFile, '', { flag: 'a' });
  const workers: OdooWorker[] = [];
  for (const source of sources) {
    const worker = new OdooWorker(
      {
        series: source.series,
        tree: source.tree,
        addonsPaths: source.addonsPaths,
        address: frontEnd.address,
        port: await freePort(),
        db: { host: server.host, port: server.port, user: login.role, password: login.password },
        dataDir: await prepareDataDir(server, source.series),
        logFile,
        user: owner && { uid: owner.uid, gid: owner.gid },
        configFile: await writeOdooConfig(server, source.series, platformUrl(app)),
      },
      app.log,
    );
    await worker.start();
    workers.push(worker);
  }
  app.log.info(
    { server: server.name, workers: workers.map((w) => ({ series: w.spec.series, upstream: w.upstream, pid: w.pid })) },
    'Odoo workers started',
  );
  return {
    workers,
    upstreams: workers.map((w) => ({ name: odooUpstreamName(w.spec.series), address: w.upstream })),
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}
