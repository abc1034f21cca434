import { existsSync } from 'node:fs';
/**
 * Real Odoo for the tests (../shared/odoo, or DBTOOLS_ODOO_SOURCES): its Debian dependencies,
 * its trees unpacked once into a cache keyed by the archives' SHA256SUMS, and databases made by
 * Odoo itself (`odoo-bin -i`), cached as pg_dump files keyed by the tree and the module list, so
 * only the first run on a machine pays for the installs.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  access,
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EmbeddedCluster } from '../../src/hosting/cluster.js';
import { clusterOwner, freePort, startCluster } from '../../src/hosting/cluster.js';
import pg from 'pg';
import { odooTreeOf } from '../../src/odoo/sources-folder.js';
import { treeAddonsPaths } from '../../src/odoo/tree.js';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');

/**
 * The team's shared folder sits beside the checkout (../shared/odoo); a clone made elsewhere (a CI
 * run's clean clone) finds it at the workplace's fixed place.
 */
const SHARED_ODOO = [path.resolve(REPO, '../shared/odoo'), '/work/shared/odoo'];

export const REAL_ODOO_SOURCES = process.env.DBTOOLS_ODOO_SOURCES
  ? path.resolve(process.env.DBTOOLS_ODOO_SOURCES)
  : (SHARED_ODOO.find((dir) => existsSync(dir)) ?? SHARED_ODOO[0]);

export const REAL_ODOO_SERIES: readonly OdooSeries[] = ['16.0', '17.0', '18.0'];

/**
 * The module set of the neutralization suite: as small as proves the point, six modules with a
 * neutralize.sql (base, web, mail, iap, auth_oauth, payment) plus a provider's.
 */
export const NEUTRALIZATION_MODULES = ['base', 'web', 'mail', 'auth_oauth', 'payment_stripe'];

/**
 * A typical SaaS customer's apps (issue 21): website and shop, CRM, sales, invoicing, inventory,
 * projects, e-mail marketing, calendar with Google and Microsoft sync, OAuth login, card and
 * PayPal payments, delivery. It holds the neutralization set, so the same customer data applies.
 * hr and purchase, common too, are not in the pruned trees (../shared/odoo/SOURCES.md).
 */
export const SAAS_CUSTOMER_MODULES = [
  ...NEUTRALIZATION_MODULES,
  'website',
  'website_sale',
  'crm',
  'sale_management',
  'account',
  'stock',
  'project',
  'mass_mailing',
  'calendar',
  'google_calendar',
  'microsoft_calendar',
  'contacts',
  'payment_paypal',
  'payment_adyen',
  'delivery',
];

/**
 * Modules of the trees with a data/neutralize.sql that Odoo cannot install from them, and why
 * (what `odoo-bin -i` said): left out of the every-neutralize set, and checked uninstallable by
 * the suite so the list cannot outlive its reason.
 */
const GCC_TESTS = (testModule: string) =>
  `depends on l10n_gcc_invoice (through l10n_sa), whose __init__.py imports its own tests, which import ${testModule}: ` +
  `the trees have no test_* modules, so Odoo cannot load it ("Couldn't load module l10n_gcc_invoice")`;
export const NOT_INSTALLABLE: Record<OdooSeries, Record<string, string>> = {
  '16.0': { l10n_sa_edi: GCC_TESTS('odoo.addons.test_mail') },
  '17.0': { l10n_sa_edi: GCC_TESTS('odoo.addons.test_mimetypes') },
  '18.0': {},
};

/**
 * Whether the pretest and the suite make the every-neutralize databases: `-i` of every
 * installable module with a neutralize.sql pulls in 124-149 modules per series, far too slow for
 * every CI run (see the README), so it runs when asked (DBTOOLS_REAL_ODOO_EVERY_NEUTRALIZE=1) or
 * when a database made before is in the cache.
 */
export const EVERY_NEUTRALIZE_ASKED = process.env.DBTOOLS_REAL_ODOO_EVERY_NEUTRALIZE === '1';

/**
 * Whether the pretest and the suites make the saas-customer databases: three installs of ~100
 * modules took 27-33 min side by side on a loaded 2-core machine, more than the whole rest of CI,
 * so they are made when asked (DBTOOLS_REAL_ODOO_SAAS_CUSTOMER=1, or with the every-neutralize
 * set) or used when the cache has them.
 */
export const SAAS_CUSTOMER_ASKED =
  process.env.DBTOOLS_REAL_ODOO_SAAS_CUSTOMER === '1' || EVERY_NEUTRALIZE_ASKED;

const SET_ASKED: Record<RealOdooModuleSet, { asked: boolean; how: string }> = {
  neutralization: { asked: true, how: '' },
  'saas-customer': {
    asked: SAAS_CUSTOMER_ASKED,
    how: 'DBTOOLS_REAL_ODOO_SAAS_CUSTOMER=1 makes them, 10+ min per series',
  },
  'every-neutralize': {
    asked: EVERY_NEUTRALIZE_ASKED,
    how: 'DBTOOLS_REAL_ODOO_EVERY_NEUTRALIZE=1 makes them, 15+ min per series',
  },
};

/** Whether the pretest makes a set's databases when the cache lacks them. */
export function realOdooSetAsked(set: RealOdooModuleSet): boolean {
  return SET_ASKED[set].asked;
}

/** Why a set's databases are not there to use (neither asked for nor cached for every series), if so. */
export async function realOdooSetUnavailable(
  set: RealOdooModuleSet,
  series: readonly OdooSeries[],
): Promise<string | undefined> {
  if (SET_ASKED[set].asked) return undefined;
  for (const s of series) {
    const tree = await realOdooTree(s);
    if (!(await exists(odooMadeDump(tree, s, await realOdooModules(set, s, tree)))))
      return `no ${set} database of Odoo ${s} in the cache (${SET_ASKED[set].how})`;
  }
  return undefined;
}

/** Every module of an Odoo tree with a data/neutralize.sql, by name. */
export async function neutralizeSqlModules(tree: string): Promise<string[]> {
  const found: string[] = [];
  for (const folder of treeAddonsPaths(tree))
    for (const module of await readdir(folder))
      if (await exists(path.join(folder, module, 'data', 'neutralize.sql'))) found.push(module);
  return found.sort();
}

/**
 * The module sets real Odoo installs, one database per series and set (`-i` of the whole set in
 * one go, no demo data), made by the pretest side by side and cached.
 */
export const REAL_ODOO_MODULE_SETS = ['neutralization', 'saas-customer', 'every-neutralize'] as const;
export type RealOdooModuleSet = (typeof REAL_ODOO_MODULE_SETS)[number];

/** The modules of a set for a series' tree. */
export async function realOdooModules(
  set: RealOdooModuleSet,
  series: OdooSeries,
  tree: string,
): Promise<string[]> {
  if (set === 'neutralization') return NEUTRALIZATION_MODULES;
  if (set === 'saas-customer') return SAAS_CUSTOMER_MODULES;
  return (await neutralizeSqlModules(tree)).filter((m) => !(m in NOT_INSTALLABLE[series]));
}

/** CI sets it (.ci/run): there, real Odoo missing is a failure, not a skip. */
export const REAL_ODOO_REQUIRED = process.env.DBTOOLS_REQUIRE_REAL_ODOO === '1';

/** Outside the repository, kept across runs: the system cache as root, the temp folder otherwise. */
export const REAL_ODOO_CACHE =
  process.getuid?.() === 0 ? '/var/cache/dbtools-odoo' : path.join(os.tmpdir(), 'dbtools-odoo-cache');

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** What is missing for the real-Odoo tests, said exactly; undefined when nothing is. */
export async function realOdooMissing(series: readonly OdooSeries[]): Promise<string | undefined> {
  if (!(await exists(REAL_ODOO_SOURCES)))
    return `${REAL_ODOO_SOURCES} is missing (Odoo's trees or archives odoo-<series>.tar.zst; set DBTOOLS_ODOO_SOURCES to another folder)`;
  const names = await readdir(REAL_ODOO_SOURCES);
  const lacking = series.filter((s) => !names.includes(`odoo-${s}.tar.zst`) && !names.includes(s));
  if (lacking.length)
    return `${REAL_ODOO_SOURCES} has no Odoo ${lacking.join(', ')} (odoo-<series>.tar.zst or <series>/odoo-bin)`;
  return undefined;
}

/** Installs Odoo's Debian packages when we can (root), then checks Debian's python3 imports them. */
export async function ensureOdooDependencies(): Promise<void> {
  const script = path.join(REAL_ODOO_SOURCES, 'install-deps.sh');
  if (process.getuid?.() === 0 && (await exists(script))) await run(script, [], { timeout: 900_000 });
  try {
    await run('/usr/bin/python3', [
      '-c',
      'import psycopg2, lxml, werkzeug, passlib, babel, PIL, reportlab, zeep',
    ]);
  } catch {
    throw new Error(`Odoo's python3 packages are missing: run ${script} as root (Debian 12).`);
  }
}

/** The tree of a series, unpacked once into the cache. */
export async function realOdooTree(series: OdooSeries): Promise<string> {
  const tree = await odooTreeOf(REAL_ODOO_SOURCES, series, REAL_ODOO_CACHE);
  if (!tree) throw new Error(`No Odoo ${series} in ${REAL_ODOO_SOURCES}`);
  return tree;
}

/** Odoo's role's password on a test cluster (a throwaway cluster of the test's own). */
const ODOO_PASSWORD = 'odoo-test';
/** The environment of a pg tool that logs in as Odoo's role. */
const asOdoo = { env: { ...process.env, PGPASSWORD: ODOO_PASSWORD } };

/** odoo-bin's options for its database server and login, and its data folder. */
function odooConnectionArgs(
  db: { host: string; port: number; user: string; password: string },
  dataDir: string,
): string[] {
  return [
    `--db_host=${db.host}`,
    `--db_port=${db.port}`,
    `--db_user=${db.user}`,
    `--db_password=${db.password}`,
    `--data-dir=${dataDir}`,
  ];
}

export interface OdooRunner {
  /** odoo-bin with the cluster's connection options, as a non-root OS user (Odoo refuses root). */
  odooBin(tree: string, args: string[]): Promise<string>;
  /** Odoo's role on the cluster, for a server of a test's own (startOdooServer). */
  readonly db: OdooServerOptions['db'];
}

/**
 * Odoo's role on a test cluster (Odoo refuses the user `postgres`) and its data folder, both
 * usable by the OS user Odoo runs as: `postgres` when we are root, ourselves otherwise.
 */
export async function odooRunner(
  cluster: EmbeddedCluster,
  admin: pg.Client,
  dir: string,
): Promise<OdooRunner> {
  // The cluster trusts only its own superuser; every other role logs in with a password.
  await admin.query(
    `DO $$ BEGIN CREATE ROLE odoo LOGIN SUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
  await admin.query(`ALTER ROLE odoo PASSWORD '${ODOO_PASSWORD}'`);
  const owner = clusterOwner();
  const dataDir = path.join(dir, 'odoo-data');
  await mkdir(dataDir, { recursive: true });
  if (owner) await chown(dataDir, owner.uid, owner.gid);
  const connection = odooConnectionArgs(
    { host: cluster.socketDir, port: cluster.port, user: 'odoo', password: ODOO_PASSWORD },
    dataDir,
  );
  return {
    db: { host: cluster.socketDir, port: cluster.port, user: 'odoo', password: ODOO_PASSWORD },
    async odooBin(tree, args) {
      const full = [
        path.join(tree, 'odoo-bin'),
        ...args,
        '--addons-path=addons,odoo/addons',
        ...connection,
        '--log-level=warn',
      ];
      const cmd = owner ? 'runuser' : '/usr/bin/python3';
      const cmdArgs = owner ? ['-u', owner.name, '--', '/usr/bin/python3', ...full] : full;
      // A hang guard only: the every-neutralize install takes 15 min on a busy 2-core machine.
      const { stdout } = await run(cmd, cmdArgs, {
        cwd: tree,
        timeout: 3_600_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    },
  };
}

/**
 * A throwaway cluster of a test file's own with Odoo's role and data folder on it: where the
 * real-Odoo suites have Odoo make (or restore) its databases and run `odoo-bin` on them.
 */
export interface RealOdooCluster {
  /** The test's folder (the cluster and Odoo's data are under it), removed at stop. */
  dir: string;
  cluster: EmbeddedCluster;
  /** A superuser client on `postgres`. */
  admin: pg.Client;
  runner: OdooRunner;
  /** A superuser client on `database`, ended at stop. */
  connect(database: string): Promise<pg.Client>;
  /** Ends the clients, stops the cluster and removes its folder. */
  stop(): Promise<void>;
}

/** Starts it (Odoo's python packages checked first) in a folder `dbtools-odoo-<name>-…`. */
export async function startRealOdooCluster(name: string): Promise<RealOdooCluster> {
  await ensureOdooDependencies();
  const dir = await mkdtemp(path.join(os.tmpdir(), `dbtools-odoo-${name}-`));
  // Private by default: the cluster and Odoo run as the postgres user, who must traverse it.
  await chmod(dir, 0o755);
  const clients: pg.Client[] = [];
  let cluster: EmbeddedCluster | undefined;
  const stop = async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const started = await startCluster({ dir: path.join(dir, 'cluster'), durable: false });
    cluster = started;
    const connect = async (database: string) => {
      const c = new pg.Client({
        host: started.socketDir,
        port: started.port,
        user: started.superuser,
        database,
      });
      clients.push(c);
      await c.connect();
      return c;
    };
    const admin = await connect('postgres');
    const runner = await odooRunner(started, admin, dir);
    return { dir, cluster: started, admin, runner, connect, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** Where odooMadeDatabase caches the database Odoo made from `tree` with `modules` (pg_dump -Fc). */
export function odooMadeDump(tree: string, series: OdooSeries, modules: string[]): string {
  const key = createHash('sha256')
    .update(`${tree}\0${modules.join(',')}`)
    .digest('hex')
    .slice(0, 16);
  return path.join(
    REAL_ODOO_CACHE,
    'databases',
    `${path.basename(path.dirname(tree))}-${series}-${key}.dump`,
  );
}

/**
 * The cached dump of a database made by Odoo (odooMadeDump), made first on a throwaway cluster of
 * its own when the pretest has not (a run of one file on a fresh machine).
 */
export async function odooMadeDumpFile(tree: string, series: OdooSeries, modules: string[]): Promise<string> {
  const dump = odooMadeDump(tree, series, modules);
  if (await exists(dump)) return dump;
  const odoo = await startRealOdooCluster('dump');
  try {
    await odooMadeDatabase(odoo.runner, odoo.cluster, tree, series, modules, 'made');
    return dump;
  } finally {
    await odoo.stop();
  }
}

/**
 * A database made by Odoo itself with `modules` (no demo data), restored from the cache when
 * this tree and module list were made before, else installed and then cached.
 */
export async function odooMadeDatabase(
  runner: OdooRunner,
  cluster: EmbeddedCluster,
  tree: string,
  series: OdooSeries,
  modules: string[],
  name: string,
): Promise<{ cached: boolean; ms: number }> {
  const started = Date.now();
  const dump = odooMadeDump(tree, series, modules);
  const pgBin = (bin: string) => path.join(cluster.pgBin, bin);
  const conn = ['-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'odoo'];
  if (await exists(dump)) {
    await run(pgBin('createdb'), [...conn, name], asOdoo);
    await run(pgBin('pg_restore'), [...conn, '--no-owner', '-d', name, dump], {
      ...asOdoo,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { cached: true, ms: Date.now() - started };
  }
  await runner.odooBin(tree, [
    'server',
    '-d',
    name,
    '-i',
    modules.join(','),
    '--without-demo=all',
    '--stop-after-init',
  ]);
  await mkdir(path.dirname(dump), { recursive: true });
  const partial = `${dump}.partial-${process.pid}`;
  await run(pgBin('pg_dump'), [...conn, '-Fc', '-f', partial, name], asOdoo);
  await rename(partial, dump);
  await rm(partial, { force: true });
  return { cached: false, ms: Date.now() - started };
}

/** Gives a folder (and what is in it) to the OS user Odoo runs as; nothing to do when that is us. */
export async function giveToOdoo(folder: string): Promise<void> {
  const owner = clusterOwner();
  if (owner) await run('chown', ['-R', `${owner.uid}:${owner.gid}`, folder]);
}

export interface OdooServerOptions {
  tree: string;
  /** Where Odoo connects, and as whom: on the platform's clusters, the tenant's own role. */
  db: { host: string; port: number; user: string; password: string };
  /** Odoo's data_dir: sessions, and `filestore/<db>` (a link to a hosting server's filestore root, say). */
  dataDir: string;
  /** `--db-filter`: the databases this server may open. */
  dbFilter: string;
  /** The database manager's master password (only a config file sets it): none leaves the manager closed. */
  masterPassword?: string;
  /** The pg_dump and psql the database manager runs (those of the cluster's version). */
  pgBin?: string;
  logfile: string;
  env?: Record<string, string>;
}

export interface OdooServer {
  readonly url: string;
  readonly logfile: string;
  /** Ends the server's whole process group (runuser and Odoo), and waits for it. */
  stop(): Promise<void>;
}

/**
 * A real Odoo HTTP server (`odoo-bin server`, threaded, no cron threads so nothing runs behind the
 * test's back) on a free loopback port, in a process group of its own, answered once it serves
 * `/web/login`. It runs as the OS user of the clusters (Odoo refuses root).
 */
export async function startOdooServer(options: OdooServerOptions): Promise<OdooServer> {
  const owner = clusterOwner();
  await mkdir(options.dataDir, { recursive: true });
  const config = `${options.dataDir}.conf`;
  // admin_passwd has no command-line flag; without one Odoo's default ('admin') would be rewritten
  // into this file by the first database-manager call.
  await writeFile(config, `[options]\nadmin_passwd = ${options.masterPassword ?? randomUUID()}\n`, {
    mode: 0o600,
  });
  await writeFile(options.logfile, '');
  if (owner) {
    await chown(config, owner.uid, owner.gid);
    await chown(options.logfile, owner.uid, owner.gid);
    await chown(options.dataDir, owner.uid, owner.gid);
  }
  const port = await freePort();
  const args = [
    path.join(options.tree, 'odoo-bin'),
    'server',
    `--config=${config}`,
    '--addons-path=addons,odoo/addons',
    ...odooConnectionArgs(options.db, options.dataDir),
    `--db-filter=${options.dbFilter}`,
    '--http-interface=127.0.0.1',
    `--http-port=${port}`,
    '--workers=0',
    '--max-cron-threads=0',
    `--logfile=${options.logfile}`,
    ...(options.pgBin ? [`--pg_path=${options.pgBin}`] : []),
    ...(options.masterPassword ? [] : ['--no-database-list']),
  ];
  const child = spawn(
    owner ? 'runuser' : '/usr/bin/python3',
    owner ? ['-u', owner.name, '--', '/usr/bin/python3', ...args] : args,
    {
      cwd: options.tree,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ...options.env },
    },
  );
  let exited: string | undefined;
  const ended = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited (${signal ?? code})`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const server: OdooServer = {
    url,
    logfile: options.logfile,
    async stop() {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const killed = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await ended;
      clearTimeout(killed);
    },
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited)
      throw new Error(
        `Odoo ${exited} before serving: ${(await readFile(options.logfile, 'utf8')).slice(-3000)}`,
      );
    const status = await fetch(`${url}/web/login`, { redirect: 'manual' }).then(
      (r) => r.status,
      () => undefined,
    );
    if (status !== undefined) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`Odoo did not answer on ${url} within 180 s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `/web/login` of one database as a browser gets it: `?db=` selects it (Odoo redirects, setting
 * the session cookie), then the page itself. Answers the final status and body.
 */
export async function odooLoginPage(
  server: OdooServer,
  db: string,
): Promise<{ status: number; body: string }> {
  let target = `${server.url}/web/login?db=${encodeURIComponent(db)}`;
  let cookie = '';
  for (let hops = 0; hops < 5; hops++) {
    const res = await fetch(target, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0];
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      target = new URL(location, target).toString();
      continue;
    }
    return { status: res.status, body: await res.text() };
  }
  throw new Error(`/web/login?db=${db} kept redirecting`);
}

/**
 * One XML-RPC call to a real Odoo (`/xmlrpc/2/<service>`), made by Python's own xmlrpc.client so
 * the protocol is the one Odoo's clients speak, not ours. A fault rejects with Odoo's message.
 */
export async function odooXmlRpc(
  server: OdooServer,
  service: 'common' | 'object' | 'db',
  method: string,
  args: unknown[],
): Promise<unknown> {
  const script = [
    'import json, sys, xmlrpc.client',
    'req = json.load(sys.stdin)',
    "proxy = xmlrpc.client.ServerProxy(req['url'], allow_none=True)",
    'try:',
    "    json.dump({'result': getattr(proxy, req['method'])(*req['args'])}, sys.stdout, default=str)",
    'except xmlrpc.client.Fault as fault:',
    "    json.dump({'fault': fault.faultString}, sys.stdout)",
  ].join('\n');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`xmlrpc ${service}.${method}: ${stderr.trim()}`)),
    );
    child.stdin.end(JSON.stringify({ url: `${server.url}/xmlrpc/2/${service}`, method, args }));
  });
  const answer = JSON.parse(out) as { result?: unknown; fault?: string };
  if (answer.fault !== undefined)
    throw new Error(`Odoo refused ${service}.${method}: ${answer.fault.slice(-2000)}`);
  return answer.result;
}

/** A user's XML-RPC session on one database: `execute_kw` with its uid and password. */
export interface OdooRpc {
  uid: number;
  call<T = unknown>(
    model: string,
    method: string,
    args: unknown[],
    kwargs?: Record<string, unknown>,
  ): Promise<T>;
}

/** Logs in through `common.authenticate` (a uid, or false when refused) and answers a session. */
export async function odooAuthenticate(
  server: OdooServer,
  db: string,
  login: string,
  password: string,
): Promise<OdooRpc> {
  const uid = await odooXmlRpc(server, 'common', 'authenticate', [db, login, password, {}]);
  if (typeof uid !== 'number')
    throw new Error(`Odoo refused ${login} on ${db} (authenticate answered ${JSON.stringify(uid)})`);
  return {
    uid,
    call: <T>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) =>
      odooXmlRpc(server, 'object', 'execute_kw', [
        db,
        uid,
        password,
        model,
        method,
        args,
        kwargs,
      ]) as Promise<T>,
  };
}

/**
 * Python run by `odoo-bin shell` on one database (`env` is Odoo's), as the OS user Odoo runs as:
 * what Odoo itself computes, to compare ours with. Answers its standard output.
 */
export async function odooShell(
  options: Pick<OdooServerOptions, 'tree' | 'db' | 'dataDir'>,
  database: string,
  code: string,
): Promise<string> {
  const owner = clusterOwner();
  const args = [
    path.join(options.tree, 'odoo-bin'),
    'shell',
    '--addons-path=addons,odoo/addons',
    ...odooConnectionArgs(options.db, options.dataDir),
    '--no-http',
    '--log-level=warn',
    '-d',
    database,
  ];
  return new Promise<string>((resolve, reject) => {
    const child = spawn(
      owner ? 'runuser' : '/usr/bin/python3',
      owner ? ['-u', owner.name, '--', '/usr/bin/python3', ...args] : args,
      {
        cwd: options.tree,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`odoo-bin shell failed (${code}): ${stderr.slice(-3000)}`)),
    );
    child.stdin.end(code);
  });
}
