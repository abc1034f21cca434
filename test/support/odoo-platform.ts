/**
 * A platform of a test file's own whose hosting server runs real Odoo (issue 22): a metabase on
 * the run's cluster, one server pointed at the Odoo trees of the series asked (`odooAddonsPaths`,
 * as an operator points a server at its own checkouts), its nginx with one Odoo worker per series,
 * the API (and the console, for the browser), the job worker, and databases made by Odoo placed
 * on it as customers' are. Also the ways a test talks to such an Odoo through the front end.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { hashPassword } from '../../src/agents/password.js';
import { createServer } from '../../src/api/server.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import { databaseHost, frontEndOf, startFrontEnds, type RunningFrontEnd } from '../../src/frontend/index.js';
import { findPgBin } from '../../src/hosting/cluster.js';
import { dropTenantRole, tenantRoleName } from '../../src/hosting/tenant-role.js';
import { upsertAgent } from '../../src/metabase/repositories/agents.js';
import { insertDatabases } from '../../src/metabase/repositories/databases.js';
import { listServers } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { workerRoleName } from '../../src/odoo/worker-role.js';
import { treeAddonsPaths } from '../../src/odoo/tree.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { adoptDatabase } from '../../src/provisioning/adopt.js';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';
import { webConsole } from '../../src/web/serve.js';
import { testEnv } from './env.js';
import { requestThrough, type FrontEndAnswer } from './front-end.js';
import { connectTestApp } from './platform.js';
import {
  ensureOdooDependencies,
  NEUTRALIZATION_MODULES,
  odooMadeDumpFile,
  realOdooTree,
} from './real-odoo.js';
import { embeddedServer } from './tenants.js';

const run = promisify(execFile);

export interface OdooPlatform {
  app: App;
  /** The hosting server, with its front end's address and ports once running. */
  server: HostingServerRow;
  /** The API's (and the console's) base URL (AgentSession.login(login, password, base)). */
  base: string;
  /** The data folder of the platform (the server's folders are under `<dir>/<server>/`), removed at stop. */
  dir: string;
  /** The server's front end: its nginx and Odoo workers. */
  running: RunningFrontEnd;
  hostOf(database: string): string;
  /** A GET through the front end's plain HTTP port for `host`, with a cookie, redirects not followed. */
  get(host: string, urlPath?: string, cookie?: string): Promise<FrontEndAnswer>;
  /** Polls until `host` answers Odoo's login page through the front end (Odoo starting). */
  loginPage(host: string, ms?: number): Promise<FrontEndAnswer>;
  stop(): Promise<void>;
}

export async function startOdooPlatform(options: {
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
  /** Serve the React console beside the API (the browser tests). */
  console?: boolean;
}): Promise<OdooPlatform> {
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
    const listed = (await listServers(app.metabase)).find((s) => s.name === options.name)!;
    for (const d of ['filestore', 'backups', 'logs', 'config'])
      await mkdir(path.join(serverDir, d), { recursive: true });
    const passwordHash = await hashPassword(options.password);
    for (const agent of options.agents)
      await upsertAgent(app.metabase, { ...agent, password_hash: passwordHash });
    // The API first: the workers are told where it is (the support login's verify).
    api = await createServer(app, options.console ? { plugins: [webConsole(app)] } : undefined);
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    const base = `http://127.0.0.1:${address.port}`;
    app.config.publicUrl = base;
    // Placed before the front end starts: a worker's start grants it what is active.
    for (const d of options.databases) {
      placed.push(d.name);
      await placeOdooMadeDatabase(app, listed, d.name, d.dump, d.series);
    }
    frontEnds = await startFrontEnds(app, [listed]);
    const running = frontEnds.running[0];
    const server = running.server;
    await platform.startWorker();

    return {
      app,
      server,
      base,
      dir,
      running,
      hostOf: (database) => databaseHost(database, app.config.platformZone),
      get: (host, urlPath = '/web/login', cookie) => throughFrontEnd(server, host, urlPath, cookie),
      loginPage: (host, ms = 180_000) => odooLoginPageThrough(server, host, ms),
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** The agents of an Odoo shop platform, all with this password. */
export const ODOO_PLATFORM_PASSWORD = 'odoo-serve-agent-password';
const SHOP_AGENTS = [
  { login: 'functional', name: 'Fatima Functional', level: 2 },
  { login: 'technical', name: 'Theo Technical', level: 3 },
  { login: 'saas-office', name: 'Sofia SaaS Office', level: 4 },
];

/**
 * The platform for one series with a shop: `tag` names the server (`odoo-<tag>`) and the database
 * Odoo made (`odoo-<tag>-shop-<pid>`, with the neutralization modules), three agents (functional,
 * technical, SaaS office) with ODOO_PLATFORM_PASSWORD.
 */
export async function startOdooShop(opts: {
  tag: string;
  series: OdooSeries;
  console?: boolean;
}): Promise<OdooPlatform & { shop: string }> {
  await ensureOdooDependencies();
  const dump = await odooMadeDumpFile(await realOdooTree(opts.series), opts.series, NEUTRALIZATION_MODULES);
  const shop = `odoo-${opts.tag}-shop-${process.pid}`;
  const odoo = await startOdooPlatform({
    name: `odoo-${opts.tag}`,
    series: [opts.series],
    agents: SHOP_AGENTS,
    password: ODOO_PLATFORM_PASSWORD,
    databases: [{ name: shop, series: opts.series, dump }],
    console: opts.console,
  });
  return { ...odoo, shop };
}

/**
 * A database made by Odoo (base, web, mail, auth_oauth, payment_stripe), placed on the server as a
 * customer's is: restored by a loader role, then given to its tenant role.
 */
let loaders = 0;
export async function placeOdooMadeDatabase(
  app: App,
  server: HostingServerRow,
  name: string,
  dump: string,
  series: OdooSeries,
): Promise<void> {
  const loader = `dbtools_scratch_loader_${process.pid}_${++loaders}`;
  const password = randomUUID();
  await app.tenants.withCluster(server.id, async (admin) => {
    await admin.query(`CREATE ROLE ${loader} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} OWNER ${loader}`);
  });
  await run(
    path.join(await findPgBin(app.config.pgBin), 'pg_restore'),
    ['-h', server.host, '-p', String(server.port), '-U', loader, '--no-owner', '-d', name, dump],
    { env: { PATH: process.env.PATH, PGPASSWORD: password }, maxBuffer: 64 * 1024 * 1024 },
  );
  await adoptDatabase(app, server, { database: name, tenant: name, from: loader });
  await app.tenants.withCluster(server.id, (admin) => admin.query(`DROP ROLE ${loader}`));
  const spec = demoDatabases(app.now()).find((d) => d.metabase.name === 'acme-bakery')!;
  await insertDatabases(app.metabase, [
    { ...spec.metabase, duplicate_of: null, name, uuid: randomUUID(), version: series, server_id: server.id },
  ]);
}

/** A request through the server's front end for `host`: a GET, or a POST of JSON when `json` is given; redirects not followed. */
export function throughFrontEnd(
  server: HostingServerRow,
  host: string,
  urlPath: string,
  cookie?: string,
  json?: unknown,
): Promise<FrontEndAnswer> {
  const fe = frontEndOf(server)!;
  if (!cookie && json === undefined) return requestThrough(fe.address, fe.httpPort, host, urlPath);
  return new Promise((resolve, reject) => {
    const headers = {
      host,
      ...(cookie ? { cookie } : {}),
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const req = http.request(
      {
        host: fe.address,
        port: fe.httpPort,
        path: urlPath,
        method: json === undefined ? 'GET' : 'POST',
        headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.end(json === undefined ? undefined : JSON.stringify(json));
  });
}

/** Odoo's login page: its form, with the field Odoo names `login`. */
export function isOdooLogin(answer: FrontEndAnswer): boolean {
  return (
    answer.status === 200 && answer.body.includes('oe_login_form') && answer.body.includes('name="login"')
  );
}

/** Polls the front end until `host` answers Odoo's login page (Odoo starting, or restarting). */
export async function odooLoginPageThrough(
  server: HostingServerRow,
  host: string,
  ms = 90_000,
): Promise<FrontEndAnswer> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    const answer = await throughFrontEnd(server, host, '/web/login').catch((e: Error) => ({
      status: 0,
      headers: {},
      body: e.message,
    }));
    if (isOdooLogin(answer)) return answer;
    last = `${answer.status} ${answer.body.slice(0, 300)}`;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${host} did not answer Odoo's login page within ${ms} ms; last: ${last}`);
}

export interface JsonRpcAnswer {
  result?: unknown;
  error?: { code: number; message?: string; data?: { name?: string; message?: string } };
}

/** One JSON-RPC call as Odoo's web client makes it (`params`), through the front end, with a session cookie. */
export async function odooJsonRpc(
  server: HostingServerRow,
  host: string,
  urlPath: string,
  params: unknown,
  cookie?: string,
): Promise<JsonRpcAnswer & { cookie?: string }> {
  const answer = await throughFrontEnd(server, host, urlPath, cookie, {
    jsonrpc: '2.0',
    method: 'call',
    id: 1,
    params,
  });
  if (answer.status !== 200)
    throw new Error(`${urlPath} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const set = answer.headers['set-cookie']?.find((c) => c.startsWith('session_id='));
  return { ...(JSON.parse(answer.body) as JsonRpcAnswer), cookie: set?.split(';')[0] };
}

/** `/web/session/authenticate` through the front end: Odoo's own login by JSON-RPC; the session's uid and cookie. */
export async function odooJsonLogin(
  server: HostingServerRow,
  host: string,
  db: string,
  login: string,
  password: string,
): Promise<{ uid: number; cookie: string }> {
  const answer = await odooJsonRpc(server, host, '/web/session/authenticate', { db, login, password });
  const uid = (answer.result as { uid?: unknown } | undefined)?.uid;
  if (typeof uid !== 'number' || !answer.cookie)
    throw new Error(
      `Odoo refused ${login} on ${db}: ${JSON.stringify(answer.error ?? answer.result).slice(0, 500)}`,
    );
  return { uid, cookie: answer.cookie };
}
