/**
 * Real Odoo serves the hosted databases (issue 22): a hosting server of this file's own (on the
 * run's cluster, in a metabase of its own) is pointed at Odoo 17.0's tree (`odooAddonsPaths`),
 * so the platform runs an Odoo worker for 17.0 behind the server's nginx. A database made by
 * Odoo itself is placed on it as a tenant (owned by its tenant role), and is then reached the way
 * a customer reaches it: through the front end, by its platform host and by a custom domain
 * over HTTPS.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/agents/password.js';
import { createServer } from '../../src/api/server.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import {
  databaseHost,
  frontEndOf,
  startFrontEnds,
  writeSite,
  type RunningFrontEnd,
} from '../../src/frontend/index.js';
import { upsertAgent } from '../../src/metabase/repositories/agents.js';
import { insertDatabases } from '../../src/metabase/repositories/databases.js';
import { listServers } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { treeAddonsPaths } from '../../src/odoo/tree.js';
import { odooUpstreamName } from '../../src/odoo/serving.js';
import { databasesServedByWorker, workerRoleName } from '../../src/odoo/worker-role.js';
import { adoptDatabase } from '../../src/provisioning/adopt.js';
import { findPgBin } from '../../src/hosting/cluster.js';
import { dropTenantRole, tenantRoleName } from '../../src/hosting/tenant-role.js';
import { serverOverview } from '../../src/observability/server-overview.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { testEnv } from '../support/env.js';
import { requestThrough, tlsThrough, type FrontEndAnswer } from '../support/front-end.js';
import { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { connectTestApp } from '../support/platform.js';
import {
  ensureOdooDependencies,
  NEUTRALIZATION_MODULES,
  odooMadeDumpFile,
  REAL_ODOO_REQUIRED,
  realOdooMissing,
  realOdooTree,
} from '../support/real-odoo.js';
import { embeddedServer } from '../support/tenants.js';

const run = promisify(execFile);
const SERIES = '17.0' as const;
const PASSWORD = 'odoo-serve-agent-password';

const missing = await realOdooMissing([SERIES]);
if (missing) console.warn(`Real-Odoo serving tests skipped: ${missing}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)('real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)', () => {
  it('is available', () => {
    expect.fail(`Real Odoo is required but ${missing}.`);
  });
});

let shared: App & { close(): Promise<void> };
let platform: Platform;
let app: App;
let dir: string;
let metabaseName: string;
let frontEnds: { running: RunningFrontEnd[]; stop(): Promise<void> } | undefined;
let server: HostingServerRow;
let api: Awaited<ReturnType<typeof createServer>> | undefined;
let base: string;
const shop = `odoo-shop-${process.pid}`;

function hostOf(database: string): string {
  return databaseHost(database, app.config.platformZone);
}

function through(host: string, urlPath = '/web/login'): Promise<FrontEndAnswer> {
  const fe = frontEndOf(server)!;
  return requestThrough(fe.address, fe.httpPort, host, urlPath);
}

/** A GET through the front end with a cookie (a POST of JSON when `json` is given), redirects not followed. */
function getWithCookie(host: string, urlPath: string, cookie?: string, json?: unknown): Promise<FrontEndAnswer> {
  const fe = frontEndOf(server)!;
  return new Promise((resolve, reject) => {
    const headers = { host, ...(cookie ? { cookie } : {}), ...(json === undefined ? {} : { 'content-type': 'application/json' }) };
    const req = http.request(
      { host: fe.address, port: fe.httpPort, path: urlPath, method: json === undefined ? 'GET' : 'POST', headers, agent: false },
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

/** One JSON-RPC call of the web client (`/web/dataset/call_kw`) with a session cookie: Odoo's answer. */
async function callKw(host: string, cookie: string, model: string, method: string, args: unknown[]): Promise<{ result?: unknown; error?: { code: number; data?: { name?: string } } }> {
  const answer = await getWithCookie(host, `/web/dataset/call_kw/${model}/${method}`, cookie, {
    jsonrpc: '2.0',
    method: 'call',
    id: 1,
    params: { model, method, args, kwargs: {} },
  });
  expect(answer.status, answer.body.slice(0, 300)).toBe(200);
  return JSON.parse(answer.body) as { result?: unknown; error?: { code: number; data?: { name?: string } } };
}

/** Starts an impersonation of `user` as `agent` and follows its link: the Odoo session cookie it opened. */
async function impersonatedSession(agent: AgentSession, user: number, reason: string): Promise<string> {
  const started = await agent.run(shop, 'impersonate', { user, reason });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const link = new URL(started.body.result.url as string);
  const signedIn = await getWithCookie(hostOf(shop), `${link.pathname}${link.search}`);
  expect(signedIn.status, signedIn.body.slice(0, 300)).toBe(303);
  return String(signedIn.headers['set-cookie']?.find((c) => c.startsWith('session_id='))).split(';')[0];
}

/** Odoo's login page: its form, with the field Odoo names `login`. */
function isOdooLogin(answer: FrontEndAnswer): boolean {
  return answer.status === 200 && answer.body.includes('oe_login_form') && answer.body.includes('name="login"');
}

/** Polls the front end until `host` answers Odoo's login page (Odoo starting, or restarting). */
async function loginPageOf(host: string, ms = 90_000): Promise<FrontEndAnswer> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    const answer = await through(host).catch((e: Error) => ({ status: 0, headers: {}, body: e.message }));
    if (isOdooLogin(answer)) return answer;
    last = `${answer.status} ${answer.body.slice(0, 300)}`;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${host} did not answer Odoo's login page within ${ms} ms; last: ${last}`);
}

/**
 * A database made by Odoo 17.0 (base, web, mail, auth_oauth, payment_stripe), placed on the
 * server as a customer's is: restored by a loader role, then given to its tenant role.
 */
async function placeOdooMadeDatabase(name: string, dump: string): Promise<void> {
  const loader = `dbtools_scratch_loader_${process.pid}`;
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
    { ...spec.metabase, duplicate_of: null, name, uuid: randomUUID(), version: SERIES, server_id: server.id },
  ]);
}

describe.skipIf(!!missing)('real Odoo serves the hosted databases', () => {
  beforeAll(async () => {
    await ensureOdooDependencies();
    const tree = await realOdooTree(SERIES);
    const dump = await odooMadeDumpFile(tree, SERIES, NEUTRALIZATION_MODULES);
    shared = await connectTestApp();
    const local = await embeddedServer(shared);
    metabaseName = `dbtools_odoo_${process.pid}_${Date.now().toString(36)}`;
    await shared.tenants.withCluster(local.id, (admin) => admin.query(`CREATE DATABASE ${metabaseName}`));
    const adminUrl = `postgres://${encodeURIComponent(local.superuser)}:${encodeURIComponent(local.password ?? '')}@127.0.0.1:${local.port}`;
    dir = await mkdtemp(path.join(tmpdir(), 'dbtools-odoo-serve-'));
    await chmod(dir, 0o755);
    const configFile = path.join(dir, 'servers.json');
    await writeFile(
      configFile,
      JSON.stringify({
        servers: [
          {
            name: 'odoo-a',
            url: `${adminUrl}/postgres`,
            filestoreRoot: path.join(dir, 'odoo-a', 'filestore'),
            backupRoot: path.join(dir, 'odoo-a', 'backups'),
            logDir: path.join(dir, 'odoo-a', 'logs'),
            configDir: path.join(dir, 'odoo-a', 'config'),
            // The server's own Odoo checkout, as an operator points a server at it.
            odooAddonsPaths: { [SERIES]: treeAddonsPaths(tree) },
          },
        ],
      }),
    );
    const config = loadConfig(
      testEnv(dir, { DBTOOLS_METABASE_URL: `${adminUrl}/${metabaseName}`, DBTOOLS_CONFIG: configFile }),
    );
    platform = await startPlatform(config, { durable: false, log: pino({ level: 'warn' }) });
    app = platform.app;
    server = (await listServers(app.metabase)).find((s) => s.name === 'odoo-a')!;
    for (const d of ['filestore', 'backups', 'logs', 'config']) await mkdir(path.join(dir, 'odoo-a', d), { recursive: true });
    await placeOdooMadeDatabase(shop, dump);
    await upsertAgent(app.metabase, {
      login: 'functional',
      name: 'Fatima Functional',
      level: 2,
      password_hash: await hashPassword(PASSWORD),
    });
    await upsertAgent(app.metabase, {
      login: 'saas-office',
      name: 'Sofia SaaS Office',
      level: 4,
      password_hash: await hashPassword(PASSWORD),
    });
    // The API first: the workers are told where it is (the support login's verify).
    api = await createServer(app);
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    app.config.publicUrl = base;
    frontEnds = await startFrontEnds(app, [server]);
    server = frontEnds.running[0].server;
    await platform.startWorker();
  }, 300_000);

  afterAll(async () => {
    await api?.close();
    await frontEnds?.stop();
    await platform?.close();
    if (shared) {
      const local = await embeddedServer(shared);
      await shared.tenants.withCluster(local.id, async (admin) => {
        const { rows } = await admin.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE datname LIKE $1`,
          [`${shop}%`],
        );
        for (const { datname } of rows) {
          await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
          await dropTenantRole(admin, tenantRoleName(datname));
        }
        await admin.query(`DROP DATABASE IF EXISTS ${metabaseName} WITH (FORCE)`);
        // The workers' role and its grants on the shared cluster's maintenance database.
        const worker = pg.escapeIdentifier(workerRoleName('odoo-a'));
        await admin.query(`DROP OWNED BY ${worker}`).catch(() => undefined);
        await admin.query(`ALTER ROLE ${worker} IN DATABASE postgres RESET ALL`).catch(() => undefined);
        await admin.query(`DROP ROLE IF EXISTS ${worker}`).catch(() => undefined);
      });
      await shared.close();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it("runs one Odoo worker for the server's series, as a non-root user, bound to the server's loopback address", async () => {
    const odoo = frontEnds!.running[0].odoo;
    expect(odoo.workers.map((w) => w.spec.series)).toEqual([SERIES]);
    const worker = odoo.workers[0];
    expect(worker.spec.address).toBe(frontEndOf(server)!.address);
    await loginPageOf(hostOf(shop));
    const status = await readFile(`/proc/${worker.pid}/status`, 'utf8');
    expect(Number(/^Uid:\s+(\d+)/m.exec(status)![1])).not.toBe(0);
    const conf = await readFile(frontEnds!.running[0].paths.conf, 'utf8');
    expect(conf).toContain(`upstream ${odooUpstreamName(SERIES)} { server ${worker.upstream}; }`);
    // The Servers page says real Odoo serves 17.0 there.
    const overview = (await serverOverview(app)).find((s) => s.name === 'odoo-a')!;
    expect(overview.odooSeries).toEqual([SERIES]);
  });

  it("serves an Odoo-made database's login page at its platform host, and no other database there", async () => {
    const page = await loginPageOf(hostOf(shop));
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // The worker filters by the exact database name nginx passes: an unknown host never gets a database.
    const unknown = await through(hostOf('no-such-database'));
    expect(isOdooLogin(unknown)).toBe(false);
    // Odoo logs in its own format to the server's technical log.
    const log = await readFile(path.join(server.log_dir, 'odoo.log'), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ INFO /m);
    expect(log).toContain(`INFO ${shop} werkzeug:`);
  });

  it("connects as the workers' role, which acts as the tenant's role on the database and is no superuser", async () => {
    await loginPageOf(hostOf(shop));
    const worker = workerRoleName('odoo-a');
    const seen = await app.tenants.withCluster(server.id, async (admin) => {
      const role = await admin.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
        'SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1',
        [worker],
      );
      const sessions = await admin.query<{ usename: string }>(
        'SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND backend_type = $2',
        [shop, 'client backend'],
      );
      const setting = await admin.query<{ setconfig: string[] }>(
        `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
           JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = $1 AND r.rolname = $2`,
        [shop, worker],
      );
      return { role: role.rows[0], users: sessions.rows.map((r) => r.usename), setting: setting.rows[0]?.setconfig };
    });
    expect(seen.role).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false });
    expect(seen.users).toContain(worker);
    expect(seen.setting).toEqual([`role=${tenantRoleName(shop)}`]);
  });

  it('starts a worker killed with SIGKILL again within seconds, and its databases answer again through nginx', async () => {
    await loginPageOf(hostOf(shop));
    const worker = frontEnds!.running[0].odoo.workers[0];
    const before = worker.pid!;
    const starts = worker.starts;
    const killed = Date.now();
    process.kill(before, 'SIGKILL');
    await loginPageOf(hostOf(shop), 60_000);
    const back = Date.now() - killed;
    expect(worker.starts).toBe(starts + 1);
    expect(worker.pid).not.toBe(before);
    console.info(`Odoo worker back and serving ${back} ms after SIGKILL`);
    expect(back).toBeLessThan(30_000);
  }, 90_000);

  it("opens a duplicate in real Odoo through its front end, with Odoo's neutralization banner", async () => {
    const functional = await AgentSession.login('functional', PASSWORD, base);
    const res = await functional.run(shop, 'duplicate', {});
    expect(res.status).toBe(200);
    const job = await waitForJob(functional, res.body.job.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const copy = res.body.name as string;
    const page = await loginPageOf(hostOf(copy));
    expect(page.body).toContain('oe_neutralize_banner');
    // The source is not neutralized.
    expect((await loginPageOf(hostOf(shop))).body).not.toContain('oe_neutralize_banner');
  }, 180_000);

  it('serves the real Odoo login page over HTTPS at a custom domain with its certificate', async () => {
    const domain = `shop-${process.pid}.example.test`;
    const certFile = path.join(dir, `${domain}.crt`);
    const keyFile = path.join(dir, `${domain}.key`);
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${domain}`, '-addext', `subjectAltName=DNS:${domain}`, '-keyout', keyFile, '-out', certFile,
    ]);
    // As the certificate job installs it: the site names no upstream, the database's series picks it.
    await writeSite(app, server, shop, { secure: true, tlsDomains: [{ domain, certFile, keyFile }] });
    const fe = frontEndOf(server)!;
    const answer = await tlsThrough(fe.address, fe.httpsPort, domain, await readFile(certFile, 'utf8'), {
      path: '/web/login',
    });
    expect(answer.subjectCN).toBe(domain);
    expect(isOdooLogin(answer)).toBe(true);
    expect(answer.headers['strict-transport-security']).toBeDefined();
  });

  it("signs a support agent in with the single-use link, shows the support banner, and ends the session when the agent stops it", async () => {
    await loginPageOf(hostOf(shop));
    const agent = await AgentSession.login('saas-office', PASSWORD, base);
    const started = await agent.run(shop, 'impersonate', { user: 2, reason: 'ticket 4242' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const link = new URL(started.body.result.url as string);
    expect(link.host).toBe(hostOf(shop));
    const linkPath = `${link.pathname}${link.search}`;

    const signedIn = await getWithCookie(hostOf(shop), linkPath);
    expect(signedIn.status, signedIn.body.slice(0, 300)).toBe(303);
    expect(signedIn.headers.location).toMatch(/\/web$/);
    const cookie = String(signedIn.headers['set-cookie']?.find((c) => c.startsWith('session_id='))).split(';')[0];
    expect(cookie).toMatch(/^session_id=./);

    const client = await getWithCookie(hostOf(shop), '/web', cookie);
    expect(client.status).toBe(200);
    expect(client.body).toContain('Signed in by support (Sofia SaaS Office, ticket 4242)');
    expect(client.body).toContain('href="/web/login/impersonate/end"');

    // The link signs in once.
    const again = await getWithCookie(hostOf(shop), linkPath);
    expect(again.status).toBe(403);
    expect(again.body).toContain('already used');

    const stopped = await agent.run(shop, 'stop-impersonation', {});
    expect(stopped.status).toBe(200);
    const after = await getWithCookie(hostOf(shop), '/web', cookie);
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/\/web\/login(\?|$)/);
  }, 120_000);

  it("checks the support login on every RPC call of an open page: once its hour is over, the next call gets Odoo's Session Expired", async () => {
    await loginPageOf(hostOf(shop));
    const agent = await AgentSession.login('saas-office', PASSWORD, base);
    const cookie = await impersonatedSession(agent, 2, 'ticket 4343');
    const before = await callKw(hostOf(shop), cookie, 'res.users', 'context_get', []);
    expect(before.error, JSON.stringify(before.error)).toBeUndefined();

    // The platform's clock past the hour: the page stays open, its next RPC call is refused.
    const now = app.now;
    app.now = () => new Date(Date.now() + 61 * 60_000);
    try {
      const after = await callKw(hostOf(shop), cookie, 'res.users', 'context_get', []);
      expect(after.result).toBeUndefined();
      expect(after.error?.code).toBe(100);
      expect(after.error?.data?.name).toBe('odoo.http.SessionExpiredException');
      // And the web client, reloaded, is Odoo's login page.
      const page = await getWithCookie(hostOf(shop), '/web', cookie);
      expect(page.status).toBe(303);
      expect(page.headers.location).toMatch(/\/web\/login/);
    } finally {
      app.now = now;
    }
  }, 120_000);

  it('refuses a forged link', async () => {
    await loginPageOf(hostOf(shop));
    const forged = await getWithCookie(hostOf(shop), '/web/login/impersonate?token=eyJkYiI6InNob3AifQ.bm9wZQ');
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('not valid');
  });

  it('stops serving a dropped database (the workers lose it) and serves it again once undropped', async () => {
    await loginPageOf(hostOf(shop));
    const functional = await AgentSession.login('functional', PASSWORD, base);
    const page = await functional.get(`/api/databases/${shop}`);
    const drop = await functional.run(shop, 'drop', { validation: page.body.tools.drop.drop.validationNumber });
    expect(drop.status, JSON.stringify(drop.body)).toBe(200);
    expect((await waitForJob(functional, drop.body.job.id)).state).toBe('completed');
    const served = () =>
      app.tenants.withCluster(server.id, (admin) => databasesServedByWorker(admin, workerRoleName('odoo-a')));
    expect(await served()).not.toContain(shop);
    expect(isOdooLogin(await through(hostOf(shop)))).toBe(false);

    const undrop = await functional.run(shop, 'undrop', {});
    expect(undrop.status, JSON.stringify(undrop.body)).toBe(200);
    expect(await served()).toContain(shop);
    await loginPageOf(hostOf(shop), 30_000);
  }, 120_000);
});
