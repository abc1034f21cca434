/**
 * Real Odoo 16.0, 17.0 and 18.0 (../shared/odoo) in the loop on the databases we make. Per series,
 * a customer's own Odoo (a database Odoo installed, on a cluster of the test's own, served by
 * `odoo-bin server` with its database manager open) gives us its backup zip; we import it, duplicate
 * it, dump it, run the tenant operations on it, and real Odoo, logging in to PostgreSQL as the
 * tenant's own role as a hosting server's Odoo does, must open every result: its login page, XML-RPC
 * authentication, a record written. Odoo's own database manager is the oracle for the copies
 * (its neutralized duplicate) and restores our dump.
 *
 * The series run side by side (their chains are concurrent tests); within a series each step waits
 * for the one it builds on (memoized promises), so a test can run alone and still finds its input.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { wireTenantToRelay } from '../../src/mail/relay/credentials.js';
import { startMailRelay, type MailRelay } from '../../src/mail/relay/start.js';
import { emailUsage, relayToday } from '../../src/mail/relay/usage.js';
import { listOutbox } from '../../src/mail/catcher.js';
import { databaseHost } from '../../src/frontend/host-name.js';
import { LIVE_FILE } from '../../src/logs/layout.js';
import { searchLogs } from '../../src/logs/search.js';
import type { ScanFilter } from '../../src/logs/scan.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { databaseFilestore } from '../../src/tenant/filestore.js';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';
import { RELAY_MAIL_SERVER_NAME } from '../../src/tenant/relay-mail-server.js';
import { uploadDump } from '../support/dump-uploads.js';
import type { OperationName } from '../../src/api/contract.js';
import { AgentSession, type RunInput } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import {
  giveToOdoo,
  NEUTRALIZATION_MODULES,
  odooAuthenticate,
  odooLoginPage,
  odooMadeDatabase,
  odooShell,
  odooXmlRpc,
  REAL_ODOO_REQUIRED,
  REAL_ODOO_SERIES,
  realOdooMissing,
  realOdooTree,
  startOdooServer,
  startRealOdooCluster,
  type OdooRpc,
  type OdooServer,
  type OdooServerOptions,
  type RealOdooCluster,
} from '../support/real-odoo.js';

const SERIES = REAL_ODOO_SERIES;
const run = promisify(execFile);
const MASTER_PASSWORD = 'master-password-for-tests';
/** A file a customer attached in their own Odoo: it must travel in the filestore of every copy. */
const CUSTOMER_FILE = Buffer.from('Signed quotation, scanned by the customer.\n');
const CUSTOMER_FILE_NAME = 'signed-quotation.txt';

const missing = await realOdooMissing(SERIES);
if (missing) console.warn(`Real-Odoo copy tests skipped: ${missing}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)(
  'real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)',
  () => {
    it('is available', () => {
      expect.fail(`Real Odoo is required but ${missing}.`);
    });
  },
);

let app: App & { close(): Promise<void> };
let office: AgentSession;
let functional: AgentSession;
let technical: AgentSession;
let helpdesk: AgentSession;
let relay: MailRelay;
let real: RealOdooCluster;
const servers: OdooServer[] = [];
const timings: string[] = [];

/** Runs `fn` once, on first use; every later caller gets the same answer. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

const underscored = (series: OdooSeries) => series.replace('.', '_');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What a hosting server's Odoo for each platform database runs with, by database. */
const tenantOdoo = new Map<string, OdooServerOptions>();

/**
 * Real Odoo serving a platform database as a hosting server's Odoo does: connected as the
 * tenant's own role, its filestore the hosting server's.
 */
async function serveTenant(tree: string, db: DatabaseRow, env?: Record<string, string>): Promise<OdooServer> {
  const server = await app.tenants.server(db.server_id);
  const login = app.tenants.tenantLogin(db.name);
  const dataDir = path.join(real.dir, `tenant-${db.name}`);
  await mkdir(dataDir, { recursive: true });
  await symlink(server.filestore_root, path.join(dataDir, 'filestore'));
  // The platform runs as root here and Odoo as the clusters' OS user: Odoo writes attachments
  // (its asset bundles) into the database's folder, as a hosting server's Odoo does.
  const filestore = databaseFilestore(server.filestore_root, db.name);
  await mkdir(filestore, { recursive: true });
  await giveToOdoo(filestore);
  const options: OdooServerOptions = {
    tree,
    db: { host: server.host, port: server.port, user: login.role, password: login.password },
    dataDir,
    dbFilter: `^${escapeRegExp(db.name)}$`,
    logfile: path.join(real.dir, `${db.name}.log`),
    env,
  };
  tenantOdoo.set(db.name, options);
  const odoo = await startOdooServer(options);
  servers.push(odoo);
  return odoo;
}

/** Proves real Odoo opens `db`: its login page, XML-RPC login as admin, a partner written and read back. */
async function expectOdooOpens(
  odoo: OdooServer,
  db: string,
  series: OdooSeries,
  what: string,
): Promise<OdooRpc> {
  const page = await odooLoginPage(odoo, db);
  expect(page.status, `${what}: /web/login`).toBe(200);
  expect(page.body).toContain('name="login"');
  const version = (await odooXmlRpc(odoo, 'common', 'version', [])) as { server_serie: string };
  expect(version.server_serie).toBe(series);
  // A database installed --without-demo keeps base's admin password: 'admin'.
  const rpc = await odooAuthenticate(odoo, db, 'admin', 'admin');
  const name = `Written by the test through XML-RPC (${what})`;
  const id = await rpc.call<number>('res.partner', 'create', [{ name }]);
  expect(id).toBeGreaterThan(0);
  const [read] = await rpc.call<{ name: string }[]>('res.partner', 'read', [[id], ['name']]);
  expect(read.name).toBe(name);
  // A message in a channel: Odoo's bus notifies its members after the commit, connected to the
  // cluster's `postgres` database as its own database user (see letOdooBusConnect).
  const channels = series === '16.0' ? 'mail.channel' : 'discuss.channel';
  const channel = await rpc.call<number>(channels, 'create', [
    { name: `Support (${what})`, channel_type: 'channel' },
  ]);
  const message = await rpc.call<number>(channels, 'message_post', [[channel]], {
    body: 'Posted through XML-RPC',
    message_type: 'comment',
    subtype_xmlid: 'mail.mt_comment',
  });
  expect(message).toBeGreaterThan(0);
  return rpc;
}

/** The roles real Odoo's connections to `db` log in as, seen from the cluster. */
async function odooRoles(db: DatabaseRow): Promise<string[]> {
  return app.tenants.withCluster(db.server_id, async (c) => {
    const { rows } = await c.query<{ usename: string }>(
      `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'odoo-%'`,
      [db.name],
    );
    return rows.map((r) => r.usename);
  });
}

async function runJob<N extends OperationName>(session: AgentSession, database: string, operation: N, ...input: RunInput<N>) {
  const res = await session.run(database, operation, ...input);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const job = await waitForJob(session, res.body.job.id, 300_000);
  expect(job.state, job.error ?? '').toBe('completed');
  return { res, job };
}

interface MailServer {
  name: string;
  smtp_host: string;
  smtp_port: number;
  smtp_encryption: string;
  smtp_authentication?: string;
  active: boolean;
}

/** What a neutralization decides, read through Odoo itself: mail servers, active crons, the banner view. */
async function neutralizationState(rpc: OdooRpc) {
  const mailServers = await rpc.call<MailServer[]>('ir.mail_server', 'search_read', [[]], {
    fields: ['name', 'smtp_host', 'smtp_port', 'smtp_encryption', 'active'],
    context: { active_test: false },
  });
  const crons = await rpc.call<{ id: number; active: boolean }[]>('ir.cron', 'search_read', [[]], {
    fields: ['active'],
    context: { active_test: false },
  });
  const xmlId = async (module: string, name: string) => {
    const [data] = await rpc.call<{ res_id: number }[]>(
      'ir.model.data',
      'search_read',
      [
        [
          ['module', '=', module],
          ['name', '=', name],
        ],
      ],
      {
        fields: ['res_id'],
      },
    );
    return data?.res_id;
  };
  const bannerId = await xmlId('web', 'neutralize_banner');
  const [banner] = bannerId
    ? await rpc.call<{ active: boolean }[]>('ir.ui.view', 'read', [[bannerId], ['active']], {
        context: { active_test: false },
      })
    : [];
  const [flag] = await rpc.call<{ value: string }[]>(
    'ir.config_parameter',
    'search_read',
    [[['key', '=', 'database.is_neutralized']]],
    {
      fields: ['value'],
    },
  );
  return {
    mailServers: mailServers
      .map(({ name, smtp_host, smtp_port, smtp_encryption, active }) => ({
        name,
        smtp_host,
        smtp_port,
        smtp_encryption,
        active,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    activeCrons: crons.filter((c) => c.active).map((c) => c.id),
    cronCount: crons.length,
    autovacuum: await xmlId('base', 'autovacuum_job'),
    bannerActive: banner?.active,
    neutralized: flag?.value,
  };
}

/** Everything one series builds, each piece made on first use. */
function seriesChain(series: OdooSeries) {
  const s = underscored(series);
  const names = { source: `customer_${s}`, restored: `restored_${s}`, odooCopy: `odoo_neutralized_${s}` };
  const tree = once(() => realOdooTree(series));

  /** The customer's own Odoo: a database Odoo installed, given a file and a live mail server by Odoo itself. */
  const origin = once(() =>
    timed(`${series} customer's Odoo`, async () => {
      await odooMadeDatabase(real.runner, real.cluster, await tree(), series, NEUTRALIZATION_MODULES, names.source);
      const odoo = await startOdooServer({
        tree: await tree(),
        db: real.runner.db,
        dataDir: path.join(real.dir, `origin-${s}`),
        dbFilter: `^(${Object.values(names).join('|')})$`,
        masterPassword: MASTER_PASSWORD,
        pgBin: real.cluster.pgBin,
        logfile: path.join(real.dir, `origin-${s}.log`),
      });
      servers.push(odoo);
      const rpc = await odooAuthenticate(odoo, names.source, 'admin', 'admin');
      const attachment = await rpc.call<number>('ir.attachment', 'create', [
        {
          name: CUSTOMER_FILE_NAME,
          datas: CUSTOMER_FILE.toString('base64'),
          res_model: 'res.partner',
          res_id: 1,
        },
      ]);
      await rpc.call('ir.mail_server', 'create', [
        {
          name: 'Customer Office 365',
          smtp_host: 'smtp.office365.com',
          smtp_port: 587,
          smtp_encryption: 'starttls',
        },
      ]);
      return { odoo, rpc, attachment };
    }),
  );

  /** The customer's backup, made by Odoo's database manager (zip: dump.sql, manifest, filestore). */
  const backup = once(async () => {
    const { odoo } = await origin();
    const res = await fetch(`${odoo.url}/web/database/backup`, {
      method: 'POST',
      body: new URLSearchParams({ master_pwd: MASTER_PASSWORD, name: names.source, backup_format: 'zip' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/\.zip/);
    return Buffer.from(await res.arrayBuffer());
  });

  /** The backup imported through our upload, and real Odoo serving the new database as its role. */
  const imported = once(async () => {
    const zip = await backup();
    return timed(`${series} import + Odoo`, async () => {
      const name = `real-odoo-${s.replace('_', '-')}-${process.pid}-${Date.now().toString(36)}`;
      const upload = await uploadDump(office, name, zip);
      expect(upload.status, JSON.stringify(upload.body)).toBe(202);
      const job = await waitForJob(office, upload.body.job!.id, 300_000);
      expect(job.state, job.error ?? '').toBe('completed');
      const row = (await findDatabase(app.metabase, name))!;
      const odoo = await serveTenant(await tree(), row);
      return { row, odoo };
    });
  });

  /** Our duplicate (a neutralized test copy) of the imported database, served by real Odoo. */
  const duplicated = once(async () => {
    const { row } = await imported();
    return timed(`${series} duplicate + Odoo`, async () => {
      const { res } = await runJob(functional, row.name, 'duplicate');
      const copy = (await findDatabase(app.metabase, res.body.name))!;
      // Coloured as on a terminal: its log file is the ANSI copy the log search must read too.
      const odoo = await serveTenant(await tree(), copy, { ODOO_PY_COLORS: '1' });
      return { copy, odoo };
    });
  });

  /** Odoo's own neutralized duplicate of the customer's database: what ours must equal. */
  const odooNeutralized = once(async () => {
    const { odoo } = await origin();
    const res = await fetch(`${odoo.url}/web/database/duplicate`, {
      method: 'POST',
      body: new URLSearchParams({
        master_pwd: MASTER_PASSWORD,
        name: names.source,
        new_name: names.odooCopy,
        neutralize_database: 'true',
      }),
      redirect: 'manual',
    });
    expect(res.status, await res.text()).toBe(303);
    return odooAuthenticate(odoo, names.odooCopy, 'admin', 'admin');
  });

  return { names, tree, origin, backup, imported, duplicated, odooNeutralized };
}

const chains = new Map(SERIES.map((series) => [series, seriesChain(series)]));

describe.skipIf(missing)('real Odoo opens the databases we make', () => {
  beforeAll(async () => {
    app = await connectTestApp();
    office = await AgentSession.login('saas-office');
    functional = await AgentSession.login('functional');
    technical = await AgentSession.login('technical');
    helpdesk = await AgentSession.login('helpdesk');
    relay = await startMailRelay(app);
    real = await startRealOdooCluster('copies');
  }, 300_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await relay?.close();
    await real?.stop();
    await app?.close();
    if (timings.length) console.info(`Real Odoo copies: ${timings.join(', ')}.`);
  }, 120_000);

  // The series side by side; within one, each step in order on the same databases and servers.
  describe.concurrent.each(SERIES)('Odoo %s', (series) => {
    const chain = chains.get(series)!;
    describe.sequential('in order', () => {
      it("imports a zip made by Odoo's database manager, and real Odoo opens it logged in as the tenant's role", async () => {
        const { row, odoo } = await chain.imported();
        expect(row).toMatchObject({ state: 'active', version: series });
        const rpc = await expectOdooOpens(odoo, row.name, series, 'imported');
        expect(await odooRoles(row)).toEqual([app.tenants.tenantLogin(row.name).role]);
        // The customer's file came with the filestore, and Odoo reads it from the hosting server's.
        const [file] = await rpc.call<{ datas: string }[]>(
          'ir.attachment',
          'search_read',
          [[['name', '=', CUSTOMER_FILE_NAME]]],
          {
            fields: ['datas'],
          },
        );
        expect(Buffer.from(file.datas, 'base64')).toEqual(CUSTOMER_FILE);
      }, 600_000);

      it("opens our neutralized duplicate, neutralized as Odoo's own database manager neutralizes", async () => {
        const { copy, odoo } = await chain.duplicated();
        const rpc = await expectOdooOpens(odoo, copy.name, series, 'duplicate');
        expect(await odooRoles(copy)).toEqual([app.tenants.tenantLogin(copy.name).role]);
        const ours = await neutralizationState(rpc);
        const odoos = await neutralizationState(await chain.odooNeutralized());
        expect(ours.neutralized).toBe('true');
        expect(ours.bannerActive).toBe(true);
        expect(ours.autovacuum).toBeGreaterThan(0);
        expect(ours.activeCrons).toEqual([ours.autovacuum]);
        expect(ours.cronCount).toBeGreaterThan(1);
        expect(ours.mailServers).toContainEqual(
          expect.objectContaining({ name: 'Customer Office 365', active: false }),
        );
        expect(ours.mailServers).toEqual(odoos.mailServers);
        expect({ ...ours, cronCount: 0, activeCrons: [], autovacuum: 0 }).toEqual({
          ...odoos,
          cronCount: 0,
          activeCrons: [],
          autovacuum: 0,
        });
        expect(odoos.activeCrons).toEqual([odoos.autovacuum]);
      }, 600_000);

      it("real Odoo's database manager restores our prepared dump (as a copy) and opens it", async () => {
        const { row } = await chain.imported();
        await chain.duplicated();
        const { odoo } = await chain.origin();
        const zip = await timed(`${series} prepare-dump`, async () => {
          await runJob(functional, row.name, 'prepare-dump', { email: 'customer@example.com' });
          const page = await functional.get(`/api/databases/${row.name}`);
          const url = new URL(page.body.tools.dump.url);
          const res = await fetch(baseUrl() + url.pathname + url.search);
          expect(res.status).toBe(200);
          return Buffer.from(await res.arrayBuffer());
        });
        const form = new FormData();
        form.set('master_pwd', MASTER_PASSWORD);
        form.set('name', chain.names.restored);
        form.set('copy', 'true');
        form.set('backup_file', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), 'dump.zip');
        const restored = await timed(`${series} Odoo restore`, () =>
          fetch(`${odoo.url}/web/database/restore`, { method: 'POST', body: form, redirect: 'manual' }),
        );
        // Odoo answers a failed restore with its manager page (200) and the error; success redirects.
        expect(
          restored.status,
          (await restored.text()).replace(/\s+/g, ' ').match(/restore error[^<]*/i)?.[0],
        ).toBe(303);
        const rpc = await expectOdooOpens(odoo, chain.names.restored, series, 'restored by Odoo');
        const [file] = await rpc.call<{ datas: string }[]>(
          'ir.attachment',
          'search_read',
          [[['name', '=', CUSTOMER_FILE_NAME]]],
          {
            fields: ['datas'],
          },
        );
        expect(Buffer.from(file.datas, 'base64')).toEqual(CUSTOMER_FILE);
      }, 600_000);

      /** The imported database, its Odoo, and admin's XML-RPC session there, once the copies above are made from it. */
      const customer = async () => {
        const { row, odoo } = await chain.imported();
        await chain.duplicated();
        return { row, odoo, rpc: await odooAuthenticate(odoo, row.name, 'admin', 'admin') };
      };

      it('reset-admin-rights: the user it names gets Settings as the running Odoo understands it', async () => {
        const { row, odoo, rpc } = await customer();
        const login = `manager-${series}@customer.example`;
        const id = await rpc.call<number>('res.users', 'create', [
          { name: 'Office Manager', login, password: 'manager-password-1' },
        ]);
        const manager = await odooAuthenticate(odoo, row.name, login, 'manager-password-1');
        const readParameters = () =>
          manager.call<{ value: string }[]>(
            'ir.config_parameter',
            'search_read',
            [[['key', '=', 'database.uuid']]],
            { fields: ['value'] },
          );
        await expect(readParameters()).rejects.toThrow(/AccessError|not allowed|access/i);
        const res = await functional.run(row.name, 'reset-admin-rights', { user: id });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        // The same process, which cached the manager's rights above, must see the new ones.
        expect(await readParameters()).toEqual([expect.objectContaining({ value: row.uuid })]);
        const [settings] = await rpc.call<{ res_id: number }[]>(
          'ir.model.data',
          'search_read',
          [
            [
              ['module', '=', 'base'],
              ['name', '=', 'group_system'],
            ],
          ],
          {
            fields: ['res_id'],
          },
        );
        const [user] = await rpc.call<{ groups_id: number[] }[]>('res.users', 'read', [[id], ['groups_id']]);
        expect(user.groups_id).toContain(settings.res_id);
        await expectOdooOpens(odoo, row.name, series, 'after reset-admin-rights');
      }, 300_000);

      it('link-admin and unlink-admin: Odoo reads the link to the platform provider, and the admins still log in', async () => {
        const { row, odoo, rpc } = await customer();
        const xmlId = async (module: string, name: string) => {
          const [data] = await rpc.call<{ res_id: number }[]>(
            'ir.model.data',
            'search_read',
            [
              [
                ['module', '=', module],
                ['name', '=', name],
              ],
            ],
            { fields: ['res_id'] },
          );
          return data.res_id;
        };
        // Two administrators made by Odoo itself (unlinking needs another linked one), with logins
        // of this run's own: central accounts live in the shared metabase, where another test
        // relies on `admin` having none.
        const [admin, owner] = ['admin', 'owner'].map(
          (who) => `${who}-${series}-${process.pid}@customer.example`,
        );
        for (const login of [admin, owner]) {
          await rpc.call('res.users', 'create', [
            {
              name: login,
              login,
              password: 'admin-password-1',
              groups_id: [[4, await xmlId('base', 'group_system')]],
            },
          ]);
        }
        const accounts = new Map<string, number>();
        for (const login of [admin, owner]) {
          await app.metabase
            .insertInto('central_account')
            .values({ login, name: login })
            .onConflict((oc) => oc.column('login').doNothing())
            .execute();
          const account = await app.metabase
            .selectFrom('central_account')
            .select('id')
            .where('login', '=', login)
            .executeTakeFirstOrThrow();
          accounts.set(login, account.id);
        }
        const provider = await xmlId('auth_oauth', 'provider_openerp');
        const oauth = async (login: string) => {
          const [user] = await rpc.call<
            { oauth_provider_id: [number, string] | false; oauth_uid: string | false }[]
          >('res.users', 'search_read', [[['login', '=', login]]], {
            fields: ['oauth_provider_id', 'oauth_uid'],
          });
          return {
            provider: user.oauth_provider_id ? user.oauth_provider_id[0] : false,
            uid: user.oauth_uid,
          };
        };
        for (const login of [admin, owner]) {
          const linked = await functional.run(row.name, 'link-admin', { login });
          expect(linked.status, JSON.stringify(linked.body)).toBe(200);
          expect(await oauth(login)).toEqual({ provider, uid: String(accounts.get(login)) });
        }
        await expectOdooOpens(odoo, row.name, series, 'after link-admin');
        for (const login of [admin, owner]) await odooAuthenticate(odoo, row.name, login, 'admin-password-1');
        const unlinked = await functional.run(row.name, 'unlink-admin', { login: admin });
        expect(unlinked.status, JSON.stringify(unlinked.body)).toBe(200);
        expect(await oauth(admin)).toEqual({ provider: false, uid: false });
        expect(await oauth(owner)).toEqual({ provider, uid: String(accounts.get(owner)) });
        await expectOdooOpens(odoo, row.name, series, 'after unlink-admin');
      }, 300_000);

      it('set-security on and off leaves the database to Odoo as it was', async () => {
        const { row, odoo } = await customer();
        for (const enabled of [true, false]) {
          const res = await technical.run(row.name, 'set-security', { enabled });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          await expectOdooOpens(odoo, row.name, series, `after set-security ${enabled}`);
        }
      }, 300_000);

      it("ping reports what Odoo's own update notification (_get_message) reports", async () => {
        const { row, odoo } = await customer();
        const res = await helpdesk.run(row.name, 'ping', {});
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.result.status).toBe('OK');
        const usage = res.body.result.usage;
        const out = await odooShell(
          tenantOdoo.get(row.name)!,
          row.name,
          [
            'import json, odoo.release',
            "m = env['publisher_warranty.contract']._get_message()",
            "print('MESSAGE ' + json.dumps({k: m.get(k) for k in ('nbr_users', 'nbr_active_users', 'nbr_share_users', 'nbr_active_share_users', 'apps', 'db_create_date', 'enterprise_code')} | {'version': odoo.release.version, 'serie': odoo.release.serie}, default=str))",
          ].join('\n'),
        );
        const message = JSON.parse(
          out
            .split('\n')
            .find((l) => l.startsWith('MESSAGE '))!
            .slice('MESSAGE '.length),
        );
        expect(usage).toEqual({
          users: message.nbr_users,
          activeUsers: message.nbr_active_users,
          shareUsers: message.nbr_share_users,
          activeShareUsers: message.nbr_active_share_users,
          apps: [...message.apps].sort(),
          // Odoo sends its build's release.version (16.0's tree here says 16.0-20240216), which no
          // database records; ours is the series the database was installed with.
          version: message.serie,
          createDate: message.db_create_date,
          // get_param answers False for a missing key.
          enterpriseCode: message.enterprise_code || null,
        });
        expect(message.version.startsWith(message.serie)).toBe(true);
        await expectOdooOpens(odoo, row.name, series, 'after ping');
      }, 300_000);

      it("the Tools page's companies and IAP accounts are Odoo's", async () => {
        const { row, odoo, rpc } = await customer();
        await rpc.call('res.company', 'create', [{ name: `Customer Branch ${series}`, parent_id: 1 }]);
        const services =
          series === '18.0'
            ? await rpc.call<{ id: number; technical_name: string }[]>('iap.service', 'search_read', [[]], {
                fields: ['technical_name'],
              })
            : [];
        const serviceId =
          series !== '18.0'
            ? undefined
            : (services[0]?.id ??
              (await rpc.call<number>('iap.service', 'create', [
                {
                  name: 'SMS',
                  technical_name: 'sms',
                  description: 'Send SMS',
                  unit_name: 'Credits',
                  integer_balance: false,
                },
              ])));
        await rpc.call('iap.account', 'create', [
          {
            ...(serviceId ? { service_id: serviceId } : { service_name: 'sms' }),
            company_ids: [[6, 0, [1]]],
          },
        ]);
        const page = await office.get(`/api/databases/${row.name}`);
        expect(page.status).toBe(200);
        const companies = await rpc.call<
          {
            id: number;
            name: string;
            parent_id: [number, string] | false;
            currency_id: [number, string];
            active: boolean;
          }[]
        >('res.company', 'search_read', [[]], {
          fields: ['name', 'parent_id', 'currency_id', 'active'],
          context: { active_test: false },
        });
        const expected = [];
        for (const c of companies) {
          const internalUsers = await rpc.call<number>('res.users', 'search_count', [
            [
              ['company_ids', 'in', [c.id]],
              ['share', '=', false],
            ],
          ]);
          expected.push({
            id: c.id,
            name: c.name,
            parent: c.parent_id ? { id: c.parent_id[0], name: c.parent_id[1] } : null,
            currency: c.currency_id[1],
            active: c.active,
            internalUsers,
          });
        }
        expect(page.body.tools.company_users.companies).toEqual(expect.arrayContaining(expected));
        expect(page.body.tools.company_users.companies).toHaveLength(expected.length);
        expect(expected.length).toBeGreaterThan(1);
        const accounts = await rpc.call<{ id: number; service_name: string; company_ids: number[] }[]>(
          'iap.account',
          'search_read',
          [[]],
          {
            fields: ['service_name', 'company_ids'],
          },
        );
        expect(accounts.length).toBeGreaterThan(0);
        expect(
          page.body.tools.iap_accounts.accounts.map(
            (a: { id: number; service: string; companies: { id: number }[] }) => ({
              id: a.id,
              service: a.service,
              companies: a.companies.map((c) => c.id),
            }),
          ),
        ).toEqual(accounts.map((a) => ({ id: a.id, service: a.service_name, companies: a.company_ids })));
        await expectOdooOpens(odoo, row.name, series, 'after the Tools page');
      }, 300_000);

      it("e-mail relay wiring: Odoo's own connection test to the relay succeeds with the credentials we wrote", async () => {
        const { row, odoo, rpc } = await customer();
        await wireTenantToRelay(app, row, relay.address);
        const [server] = await rpc.call<{ id: number; smtp_host: string; smtp_port: number }[]>(
          'ir.mail_server',
          'search_read',
          [[['name', '=', RELAY_MAIL_SERVER_NAME]]],
          {
            fields: ['smtp_host', 'smtp_port'],
          },
        );
        expect(server).toMatchObject({ smtp_host: relay.address.host, smtp_port: relay.address.port });
        const answer = await rpc.call<{ params?: { type?: string; message?: string } }>(
          'ir.mail_server',
          'test_smtp_connection',
          [[server.id]],
        );
        expect(answer.params).toMatchObject({ type: 'success' });
        await expectOdooOpens(odoo, row.name, series, 'after the relay wiring');
      }, 300_000);

      it('a message real Odoo sends (a mail.mail, its own process_email_queue) goes through our relay and is counted', async () => {
        const { row, odoo, rpc } = await customer();
        await wireTenantToRelay(app, row, relay.address);
        const before = await relayToday(app, row.name, new Date());
        const subject = `Sent by real Odoo ${series} through the relay (${row.name})`;
        // No server named: Odoo picks its default outgoing server, which the wiring made the relay.
        const id = await rpc.call<number>('mail.mail', 'create', [
          {
            subject,
            body_html: '<p>Your quotation is ready.</p>',
            email_from: `sales@${databaseHost(row.name, app.config.platformZone)}`,
            email_to: 'customer@example.com',
            auto_delete: false,
          },
        ]);
        // Through JSON-RPC: process_email_queue answers None, which Odoo's XML-RPC cannot marshal.
        const res = await fetch(`${odoo.url}/jsonrpc`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            method: 'call',
            id: 1,
            params: {
              service: 'object',
              method: 'execute_kw',
              args: [row.name, rpc.uid, 'admin', 'mail.mail', 'process_email_queue', [[id]]],
            },
          }),
        });
        const queued = (await res.json()) as { error?: { data: { message: string } } };
        expect(queued.error?.data.message).toBeUndefined();
        const [sent] = await rpc.call<{ state: string; failure_reason: string | false; mail_server_id: [number, string] | false }[]>(
          'mail.mail',
          'read',
          [[id], ['state', 'failure_reason', 'mail_server_id']],
        );
        expect(sent.state, String(sent.failure_reason)).toBe('sent');
        const after = await relayToday(app, row.name, new Date());
        expect(after.sent).toBe(before.sent + 1);
        const usage = await emailUsage(app, (await findDatabase(app.metabase, row.name))!, new Date());
        expect(usage.email_daily_count).toBe(after.sent);
        // Delivered upstream: the platform's outbox (the local catcher) has it.
        const outbox = await listOutbox(app.config.dataDir, 10_000);
        expect(outbox.map((m) => m.subject)).toContain(subject);
        await expectOdooOpens(odoo, row.name, series, 'after sending through the relay');
      }, 900_000);

      it('restore-backup in place: Odoo serves the backup (a later record gone, the filestore back)', async () => {
        const { row, odoo, rpc } = await customer();
        const backup = await runJob(technical, row.name, 'backup-now');
        const later = [['name', '=', `Made after the backup (${series})`]];
        await rpc.call<number>('res.partner', 'create', [{ name: later[0][2] }]);
        expect(await rpc.call('res.partner', 'search_count', [later])).toBe(1);
        await timed(`${series} restore-backup`, () =>
          runJob(technical, row.name, 'restore-backup', { backup: backup.job.result.backup }),
        );
        // The restored database's sequences are the backup's: ids are reused, names tell the records apart.
        const again = await expectOdooOpens(odoo, row.name, series, 'after restore-backup');
        expect(await again.call('res.partner', 'search_count', [later])).toBe(0);
        const [file] = await again.call<{ datas: string }[]>(
          'ir.attachment',
          'search_read',
          [[['name', '=', CUSTOMER_FILE_NAME]]],
          { fields: ['datas'] },
        );
        expect(Buffer.from(file.datas, 'base64')).toEqual(CUSTOMER_FILE);
      }, 300_000);

      it("our log search reads real Odoo's own log file, plain and with ANSI colours, as grep does", async () => {
        const { row, odoo, rpc } = await customer();
        const { copy, odoo: coloured } = await chain.duplicated();
        // An error with its traceback in each log: a field Odoo does not have, read through JSON-RPC
        // (16.0 and 18.0 log XML-RPC faults not at all).
        for (const [server, db] of [
          [odoo, row.name],
          [coloured, copy.name],
        ] as const) {
          const { uid } = await odooAuthenticate(server, db, 'admin', 'admin');
          const res = await fetch(`${server.url}/jsonrpc`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              jsonrpc: '2.0',
              method: 'call',
              id: 1,
              params: {
                service: 'object',
                method: 'execute_kw',
                args: [db, uid, 'admin', 'res.partner', 'read', [[1], ['no_such_field']]],
              },
            }),
          });
          expect(((await res.json()) as { error?: { data: { name: string } } }).error?.data.name).toBe(
            'builtins.ValueError',
          );
        }
        await rpc.call('res.partner', 'search', [[]]);
        // The server's own file, copied as a hosting server's live log (the search reads a folder).
        const folder = async (name: string, from: string, transform?: (b: Buffer) => Buffer) => {
          const d = path.join(real.dir, `logs-${name}-${underscored(series)}`);
          await mkdir(d, { recursive: true });
          if (transform) await writeFile(path.join(d, LIVE_FILE), transform(await readFile(from)));
          else await copyFile(from, path.join(d, LIVE_FILE));
          return d;
        };
        const plain = await folder('plain', odoo.logfile);
        const ansi = await folder('ansi', coloured.logfile);
        // The same file without its colours: what the level and database filters must see through.
        const stripped = await folder('stripped', coloured.logfile, (b) =>
          // eslint-disable-next-line no-control-regex -- the ANSI escape sequences are what is removed
          Buffer.from(b.toString('latin1').replace(/\x1b\[[0-9;]*m/g, ''), 'latin1'),
        );
        const ansiText = await readFile(path.join(ansi, LIVE_FILE), 'utf8');
        // eslint-disable-next-line no-control-regex -- Odoo's ColoredFormatter: ESC[1;3xm ESC[1;4xm LEVEL ESC[0m
        expect(ansiText).toMatch(/\x1b\[1;3\dm\x1b\[1;4\dmINFO\x1b\[0m/);
        const hits = async (d: string, filter: Partial<ScanFilter>) =>
          (await searchLogs(d, { context: 0, limit: 100_000, ...filter })).lines
            .filter((l) => l.hit)
            .map((l) => `${l.n}:${l.text}`);
        const grep = async (args: string[], d: string) =>
          (
            await run('grep', [...args, path.join(d, LIVE_FILE)], { maxBuffer: 1 << 28 }).catch(
              (e: { code?: number; stdout?: string }) => {
                if (e.code === 1) return { stdout: '' };
                throw e;
              },
            )
          ).stdout
            .split('\n')
            .filter(Boolean);
        for (const d of [plain, ansi]) {
          for (const q of [
            'no_such_field',
            'Traceback (most recent call last)',
            'POST /xmlrpc/2/object',
            'werkzeug',
            'odoo.modules.registry',
          ]) {
            const found = await hits(d, { q });
            expect(found, `${q} in ${path.basename(d)}`).toEqual(await grep(['-nF', q], d));
          }
          expect(await hits(d, { q: 'no_such_field' }), path.basename(d)).not.toEqual([]);
          const regex = 'POST /xmlrpc/2/(common|object) HTTP/1\\.[01]" 200';
          expect(await hits(d, { q: regex, regex: true })).toEqual(await grep(['-nE', regex], d));
        }
        // Filters: every record head of a level and database, coloured or not, as grep finds them uncoloured.
        for (const [d, db, clean] of [
          [plain, row.name, plain],
          [ansi, copy.name, stripped],
        ] as const) {
          for (const level of ['INFO', 'WARNING', 'ERROR'] as const) {
            const heads = (
              await grep(['-nE', `^[0-9-]+ [0-9:,]+ [0-9]+ ${level} ${db.replace(/[.]/g, '\\.')} `], clean)
            ).map((l) => l.split(':')[0]);
            const found = await searchLogs(d, { context: 0, limit: 100_000, levels: [level], db });
            expect(
              found.lines.filter((l) => l.hit).map((l) => String(l.n)),
              `${level} ${db} in ${path.basename(d)}`,
            ).toEqual(heads);
            expect(found.lines.every((l) => l.level === level && l.db === db)).toBe(true);
          }
          const errors = await searchLogs(d, { context: 0, limit: 100_000, levels: ['ERROR'], db });
          // A whole record: the traceback under the head.
          expect(errors.lines.some((l) => l.text.startsWith('Traceback'))).toBe(true);
        }
      }, 300_000);
    });
  });
});
