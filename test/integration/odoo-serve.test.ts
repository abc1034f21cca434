/**
 * Real Odoo serves the hosted databases (issue 22): a hosting server of this file's own (on the
 * run's cluster, in a metabase of its own) is pointed at Odoo 17.0's tree (`odooAddonsPaths`),
 * so the platform runs an Odoo worker for 17.0 behind the server's nginx. A database made by
 * Odoo itself is placed on it as a tenant (owned by its tenant role), and is then reached the way
 * a customer reaches it: through the front end, by its platform host and by a custom domain
 * over HTTPS.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { frontEndOf, writeSite, type RunningFrontEnd } from '../../src/frontend/index.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { odooUpstreamName } from '../../src/odoo/serving.js';
import { databasesServedByWorker, workerRoleName } from '../../src/odoo/worker-role.js';
import { tenantRoleName } from '../../src/hosting/tenant-role.js';
import { serverOverview } from '../../src/observability/server-overview.js';
import { sClient, selfSignedCertificate } from '../support/domains.js';
import { tlsThrough, type FrontEndAnswer } from '../support/front-end.js';
import { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import {
  isOdooLogin,
  ODOO_PLATFORM_PASSWORD as PASSWORD,
  odooJsonRpc,
  odooLoginPageThrough,
  startOdooShop,
  throughFrontEnd,
  type JsonRpcAnswer,
  type OdooPlatform,
} from '../support/odoo-platform.js';
import { REAL_ODOO_REQUIRED, realOdooMissing } from '../support/real-odoo.js';

const run = promisify(execFile);
const SERIES = '17.0' as const;

const missing = await realOdooMissing([SERIES]);
if (missing) console.warn(`Real-Odoo serving tests skipped: ${missing}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)('real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)', () => {
  it('is available', () => {
    expect.fail(`Real Odoo is required but ${missing}.`);
  });
});

let odoo: OdooPlatform & { shop: string };
let app: App;
let dir: string;
let frontEnd: RunningFrontEnd;
let server: HostingServerRow;
let base: string;
let shop: string;

const hostOf = (database: string): string => odoo.hostOf(database);
const through = (host: string, urlPath = '/web/login'): Promise<FrontEndAnswer> => throughFrontEnd(server, host, urlPath);
/** A GET through the front end with a cookie, redirects not followed. */
const getWithCookie = (host: string, urlPath: string, cookie?: string): Promise<FrontEndAnswer> =>
  throughFrontEnd(server, host, urlPath, cookie);
/** Polls the front end until `host` answers Odoo's login page (Odoo starting, or restarting). */
const loginPageOf = (host: string, ms?: number): Promise<FrontEndAnswer> => odooLoginPageThrough(server, host, ms);

/** One JSON-RPC call of the web client (`/web/dataset/call_kw`) with a session cookie: Odoo's answer. */
function callKw(host: string, cookie: string, model: string, method: string, args: unknown[]): Promise<JsonRpcAnswer> {
  return odooJsonRpc(server, host, `/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs: {} }, cookie);
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

describe.skipIf(!!missing)('real Odoo serves the hosted databases', () => {
  beforeAll(async () => {
    // A server of this file's own pointed at Odoo 17.0's tree, a database Odoo made placed on it.
    odoo = await startOdooShop({ tag: 'a', series: SERIES });
    ({ app, dir, running: frontEnd, server, base, shop } = odoo);
  }, 300_000);

  afterAll(async () => {
    await odoo?.stop();
  }, 120_000);

  it("runs one Odoo worker for the server's series, as a non-root user, bound to the server's loopback address", async () => {
    const running = frontEnd.odoo;
    expect(running.workers.map((w) => w.spec.series)).toEqual([SERIES]);
    const worker = running.workers[0];
    expect(worker.spec.address).toBe(frontEndOf(server)!.address);
    await loginPageOf(hostOf(shop));
    const status = await readFile(`/proc/${worker.pid}/status`, 'utf8');
    expect(Number(/^Uid:\s+(\d+)/m.exec(status)![1])).not.toBe(0);
    const conf = await readFile(frontEnd.paths.conf, 'utf8');
    expect(conf).toContain(`upstream ${odooUpstreamName(SERIES)} { server ${worker.upstream}; }`);
    // The Servers page says real Odoo serves 17.0 there.
    const overview = (await serverOverview(app)).find((s) => s.name === 'odoo-a')!;
    expect(overview.odooSeries).toEqual([SERIES]);
    // The worker's first page loads Odoo's registry: up to loginPageOf's 90 s on a busy machine.
  }, 120_000);

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
    const worker = frontEnd.odoo.workers[0];
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
    const { certFile, keyFile, cert } = await selfSignedCertificate(dir, domain);
    // As the certificate job installs it: the site names no upstream, the database's series picks it.
    await writeSite(app, server, shop, { secure: true, tlsDomains: [{ domain, certFile, keyFile }] });
    const fe = frontEndOf(server)!;
    const answer = await tlsThrough(fe.address, fe.httpsPort, domain, cert, {
      path: '/web/login',
    });
    expect(answer.subjectCN).toBe(domain);
    expect(isOdooLogin(answer)).toBe(true);
    expect(answer.headers['strict-transport-security']).toBeDefined();
    // As an operator checks it by hand: openssl sees the certificate, curl trusts it with --cacert.
    expect(await sClient(fe.address, fe.httpsPort, domain)).toContain(`CN = ${domain}`);
    const curl = await run('curl', [
      '-sS', '--cacert', certFile, '--resolve', `${domain}:${fe.httpsPort}:${fe.address}`,
      `https://${domain}:${fe.httpsPort}/web/login`,
    ]);
    expect(curl.stdout).toContain('oe_login_form');
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
