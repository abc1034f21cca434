import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startCluster, type EmbeddedCluster } from '../../src/hosting/cluster.js';
import { demoDatabases, DEMO_DATABASE_COUNT, type DemoDatabase } from '../../src/demo/catalog.js';
import {
  dropTenantDatabase,
  seedTenantDatabase,
  seedTenantDatabases,
  TenantDatabaseExists,
} from '../../src/demo/seed-tenant.js';
import { listIapAccounts } from '../../src/tenant/iap.js';
import { ensureTenantTemplate, ensureTenantTemplates, tenantTemplateName } from '../../src/tenant/template.js';
import { verifyOdooPassword } from '../../src/tenant/password.js';

const NOW = new Date();
/** The platform secret the seeded tenants' role passwords come from. */
const SECRET = randomBytes(32);

let dir: string;
let cluster: EmbeddedCluster;
let admin: pg.Client;
let filestoreRoot: string;
const specs: DemoDatabase[] = demoDatabases(NOW);
const clients = new Map<string, pg.Client>();

function connectionFor(database: string): pg.Client {
  return new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database });
}

async function tenant(name: string): Promise<pg.Client> {
  let c = clients.get(name);
  if (!c) {
    c = connectionFor(name);
    await c.connect();
    clients.set(name, c);
  }
  return c;
}

async function param(db: pg.Client, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ value: string }>('SELECT value FROM ir_config_parameter WHERE key = $1', [
    key,
  ]);
  return rows[0]?.value;
}

function spec(predicate: (d: DemoDatabase) => boolean): DemoDatabase {
  const found = specs.find(predicate);
  if (!found) throw new Error('no demo database matches');
  return found;
}

beforeAll(async () => {
  // The cluster gets a folder of its own: startCluster opens only that one to the postgres user.
  dir = await mkdtemp(path.join(os.tmpdir(), 'dbtools-tenant-seed-'));
  filestoreRoot = await mkdtemp(path.join(os.tmpdir(), 'dbtools-tenant-filestore-'));
  cluster = await startCluster({ dir, durable: false });
  admin = connectionFor('postgres');
  await admin.connect();

  const started = performance.now();
  await ensureTenantTemplates(admin);
  const templateMs = performance.now() - started;
  const reports = await seedTenantDatabases(
    async () => {
      const c = connectionFor('postgres');
      await c.connect();
      return c;
    },
    SECRET,
    specs,
    filestoreRoot,
    undefined,
    3,
  );
  const totalMs = performance.now() - started;
  const slowest = [...reports].sort((a, b) => b.ms - a.ms)[0];
  console.log(
    `tenant seed: 3 templates ${Math.round(templateMs)} ms, ${reports.length} tenants, total ${Math.round(totalMs)} ms ` +
      `(slowest ${slowest.database} ${slowest.ms} ms)`,
  );
}, 120_000);

afterAll(async () => {
  for (const c of clients.values()) await c.end().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (filestoreRoot) await rm(filestoreRoot, { recursive: true, force: true });
}, 60_000);

describe('demo catalog', () => {
  it('is deterministic for a given now and covers every Tools page case', () => {
    expect(JSON.stringify(demoDatabases(NOW))).toBe(JSON.stringify(specs));
    expect(specs).toHaveLength(DEMO_DATABASE_COUNT);
    expect(specs.length).toBeGreaterThanOrEqual(32);
    const mb = specs.map((s) => s.metabase);
    expect(new Set(mb.map((m) => m.name)).size).toBe(mb.length);
    expect(new Set(mb.map((m) => m.uuid)).size).toBe(mb.length);
    for (const m of mb) expect(m.name).toMatch(/^[a-z0-9][a-z0-9_.-]{0,62}$/);
    expect(mb.some((m) => m.mode === 'trial' && m.extra_apps)).toBe(true);
    expect(mb.some((m) => m.mode === 'trial' && !m.extra_apps)).toBe(true);
    expect(mb.some((m) => m.mode === 'paid' && /^M\d{13}$/.test(m.subcode ?? ''))).toBe(true);
    expect(mb.some((m) => m.mode === 'drop' && m.status === 'open' && m.expire_date! > NOW)).toBe(true);
    for (const status of ['close', 'cancel'])
      expect(mb.some((m) => m.mode === 'drop' && m.status === status)).toBe(true);
    for (const status of ['maintenance', 'maintenance (upgrade)', 'pending'])
      expect(mb.some((m) => m.status === status)).toBe(true);
    for (const v of ['16.0', '17.0', 'saas~17.4', '18.0']) expect(mb.some((m) => m.version === v)).toBe(true);
    const dups = mb.filter((m) => m.duplicate_of);
    expect(dups.length).toBeGreaterThanOrEqual(3);
    for (const d of dups) expect(d.name).toBe(`${d.duplicate_of}-dup-1`);
    expect(dups.some((d) => d.mode === 'drop')).toBe(true);
    const trialDup = dups.find((d) => d.mode === 'trial')!;
    expect(trialDup.expire_date!.getTime() - NOW.getTime()).toBeLessThanOrEqual(4 * 3_600_000);
    expect(specs.some((s) => s.tenant.companies.some((c) => c.parent !== undefined))).toBe(true);
  });
});

describe('seeded tenant databases', () => {
  it('creates one database per demo spec from the template', async () => {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE NOT datistemplate',
    );
    const names = new Set(rows.map((r) => r.datname));
    for (const s of specs) expect(names.has(s.metabase.name)).toBe(true);
    for (const version of ['16.0', '17.0', 'saas~17.4', '18.0']) {
      const tpl = await admin.query('SELECT datistemplate FROM pg_database WHERE datname = $1', [
        tenantTemplateName(version),
      ]);
      expect(tpl.rows[0]).toEqual({ datistemplate: true });
    }
  });

  it("builds each tenant with its own version's tables: partner name column, iap service, cron fields", async () => {
    const columns = async (db: pg.Client, table: string): Promise<string[]> =>
      (
        await db.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name`,
          [table],
        )
      ).rows.map((r) => r.column_name);
    for (const [version, partner, iap, cron] of [
      ['16.0', 'display_name', 'service_name', 'numbercall'],
      ['17.0', 'complete_name', 'service_name', 'numbercall'],
      ['saas~17.4', 'complete_name', 'service_name', 'numbercall'],
      ['18.0', 'complete_name', 'service_id', 'failure_count'],
    ]) {
      const db = await tenant(spec((d) => d.metabase.version === version).metabase.name);
      expect(await columns(db, 'res_partner')).toContain(partner);
      expect(await columns(db, 'iap_account')).toContain(iap);
      expect(await columns(db, 'ir_cron')).toContain(cron);
    }
  });

  it('stores the metabase uuid as database.uuid and a fresh database.secret per database', async () => {
    const secrets = new Set<string>();
    for (const s of specs) {
      const db = await tenant(s.metabase.name);
      expect(await param(db, 'database.uuid')).toBe(s.metabase.uuid);
      expect(await param(db, 'web.base.url')).toBe(`https://${s.metabase.name}.dbtools.test`);
      secrets.add((await param(db, 'database.secret'))!);
    }
    expect(secrets.size).toBe(specs.length);
  });

  it('writes the enterprise code of paid databases and the expiration date of trials', async () => {
    const paid = spec((d) => d.metabase.mode === 'paid' && d.metabase.subcode !== null);
    expect(await param(await tenant(paid.metabase.name), 'database.enterprise_code')).toBe(
      paid.metabase.subcode,
    );
    const trial = spec((d) => d.metabase.mode === 'trial' && d.metabase.expire_date !== null);
    const expiration = await param(await tenant(trial.metabase.name), 'database.expiration_date');
    expect(expiration).toBe(trial.metabase.expire_date!.toISOString().slice(0, 19).replace('T', ' '));
  });

  it('keeps base.user_admin (id 2) in group_system, found through ir_model_data, unless the spec took its rights', async () => {
    for (const s of specs) {
      const db = await tenant(s.metabase.name);
      const { rows } = await db.query<{
        login: string;
        is_system: boolean;
        is_erp_manager: boolean;
        is_user: boolean;
      }>(
        `SELECT u.login,
                EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN ir_model_data d ON d.res_id = r.gid
                         WHERE r.uid = u.id AND d.model = 'res.groups' AND d.module = 'base' AND d.name = 'group_system') AS is_system,
                EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN ir_model_data d ON d.res_id = r.gid
                         WHERE r.uid = u.id AND d.model = 'res.groups' AND d.module = 'base' AND d.name = 'group_erp_manager') AS is_erp_manager,
                EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN ir_model_data d ON d.res_id = r.gid
                         WHERE r.uid = u.id AND d.model = 'res.groups' AND d.module = 'base' AND d.name = 'group_user') AS is_user
           FROM res_users u
           JOIN ir_model_data x ON x.res_id = u.id AND x.model = 'res.users' AND x.module = 'base' AND x.name = 'user_admin'`,
      );
      const adminSpec = s.tenant.users[0];
      expect(rows).toEqual([
        {
          login: adminSpec.login,
          is_system: adminSpec.admin,
          is_erp_manager: adminSpec.admin,
          is_user: true,
        },
      ]);
    }
    expect(specs.some((s) => !s.tenant.users[0].admin)).toBe(true);
  });

  it('gives internal users group_user, portal users group_portal with share = true', async () => {
    const s = specs[0];
    const db = await tenant(s.metabase.name);
    const { rows } = await db.query<{ login: string; share: boolean; groups: string[] }>(
      `SELECT u.login, u.share, array_agg(d.name ORDER BY d.name) AS groups
         FROM res_users u JOIN res_groups_users_rel r ON r.uid = u.id
         JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = r.gid
        WHERE u.login = ANY($1) GROUP BY u.login, u.share`,
      [s.tenant.users.map((u) => u.login)],
    );
    for (const u of s.tenant.users) {
      const row = rows.find((r) => r.login === u.login)!;
      expect(row.share).toBe(u.share);
      if (u.share) expect(row.groups).toEqual(['group_portal']);
      else expect(row.groups).toContain('group_user');
      expect(row.groups.includes('group_system')).toBe(u.admin);
    }
  });

  it('leaves the OAuth-only user without a password, linked to the platform provider', async () => {
    for (const s of specs.slice(0, 5)) {
      const sso = s.tenant.users.find((u) => u.password === null)!;
      const db = await tenant(s.metabase.name);
      const { rows } = await db.query(
        `SELECT u.password, u.oauth_uid, p.name AS provider FROM res_users u JOIN auth_oauth_provider p ON p.id = u.oauth_provider_id
          WHERE u.login = $1`,
        [sso.login],
      );
      expect(rows).toEqual([{ password: null, oauth_uid: sso.oauthUid, provider: 'dbtools accounts' }]);
    }
  });

  it('hashes passwords in passlib pbkdf2-sha512 format that verify', async () => {
    const s = specs[1];
    const db = await tenant(s.metabase.name);
    const { rows } = await db.query<{ password: string }>('SELECT password FROM res_users WHERE id = 2');
    expect(rows[0].password).toMatch(/^\$pbkdf2-sha512\$\d+\$[A-Za-z0-9./]+\$[A-Za-z0-9./]+$/);
    expect(verifyOdooPassword(s.tenant.users[0].password!, rows[0].password)).toBe(true);
  });

  it('has one res_company per spec company, branches pointing at their parent', async () => {
    for (const s of specs.filter((d) => d.tenant.companies.length > 1)) {
      const db = await tenant(s.metabase.name);
      const { rows } = await db.query<{ name: string; parent: string | null; currency: string }>(
        `SELECT c.name, p.name AS parent, cur.name AS currency FROM res_company c
           LEFT JOIN res_company p ON p.id = c.parent_id JOIN res_currency cur ON cur.id = c.currency_id ORDER BY c.sequence, c.id`,
      );
      expect(rows.length).toBeGreaterThan(1);
      expect(rows).toEqual(
        s.tenant.companies.map((c) => ({
          name: c.name,
          currency: c.currency,
          parent: c.parent === undefined ? null : s.tenant.companies[c.parent].name,
        })),
      );
    }
  });

  it('installs the spec apps with the version-shaped latest_version', async () => {
    const s = spec((d) => d.metabase.version === 'saas~17.4');
    const db = await tenant(s.metabase.name);
    const { rows } = await db.query<{ name: string; latest_version: string }>(
      `SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' AND application ORDER BY name`,
    );
    expect(rows.map((r) => r.name)).toEqual([...s.tenant.apps].sort());
    for (const r of rows) expect(r.latest_version).toBe('saas~17.4.1.0');
  });

  it('records bounces as mailing traces and last logins in res_users_log', async () => {
    for (const s of specs.slice(0, 8)) {
      const db = await tenant(s.metabase.name);
      const bounces = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM mailing_trace WHERE trace_status = 'bounce'`,
      );
      expect(bounces.rows[0].n).toBe(s.tenant.bounces);
      const sent = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM mail_mail WHERE state = 'sent'`,
      );
      expect(sent.rows[0].n).toBe(s.tenant.mailsSent);
      const logs = await db.query<{ n: number }>(
        `SELECT count(DISTINCT create_uid)::int AS n FROM res_users_log`,
      );
      expect(logs.rows[0].n).toBe(s.tenant.users.filter((u) => u.lastLoginDaysAgo !== undefined).length);
    }
  });

  it('links IAP accounts to companies with uuid-hex tokens', async () => {
    for (const version of ['17.0', '18.0']) {
      const s = spec((d) => d.metabase.version === version && d.tenant.iapServices.length > 0 && !d.tenant.neutralized);
      const accounts = await listIapAccounts(await tenant(s.metabase.name));
      expect(accounts.map((a) => a.service)).toEqual(s.tenant.iapServices);
      for (const a of accounts) {
        expect(a.accountToken).toMatch(/^[0-9a-f]{32}$/);
        expect(a.companies.length).toBeGreaterThan(0);
      }
    }
  });

  it('points every attachment at a real file whose sha1 is its checksum', async () => {
    let files = 0;
    for (const s of specs) {
      const db = await tenant(s.metabase.name);
      const { rows } = await db.query<{ store_fname: string; checksum: string; file_size: number }>(
        `SELECT store_fname, checksum, file_size FROM ir_attachment WHERE type = 'binary'`,
      );
      expect(rows).toHaveLength(s.tenant.attachments);
      for (const r of rows) {
        expect(r.store_fname).toBe(`${r.checksum.slice(0, 2)}/${r.checksum}`);
        const content = await readFile(path.join(filestoreRoot, s.metabase.name, r.store_fname));
        expect(createHash('sha1').update(content).digest('hex')).toBe(r.checksum);
        expect(content.length).toBe(r.file_size);
        files++;
      }
    }
    expect(files).toBeGreaterThan(specs.length);
  });

  it('neutralizes duplicates: banner on, mail servers and crons off except autovacuum', async () => {
    const dup = spec((d) => d.metabase.duplicate_of !== null);
    const db = await tenant(dup.metabase.name);
    expect(await param(db, 'database.is_neutralized')).toBe('true');
    const banner = await db.query(
      `SELECT v.active FROM ir_ui_view v JOIN ir_model_data d ON d.model = 'ir.ui.view' AND d.res_id = v.id
        WHERE d.module = 'web' AND d.name = 'neutralize_banner'`,
    );
    expect(banner.rows).toEqual([{ active: true }]);
    const crons = await db.query<{ name: string }>(
      `SELECT d.name FROM ir_cron c JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id WHERE c.active`,
    );
    expect(crons.rows.map((r) => r.name)).toEqual(['autovacuum_job']);
    const source = await tenant(dup.metabase.duplicate_of!);
    expect(await param(source, 'database.is_neutralized')).toBeUndefined();
  });

  it('refuses to seed over an existing database, and drop removes database and filestore', async () => {
    const s = specs[specs.length - 1];
    await expect(seedTenantDatabase(admin, SECRET, s, filestoreRoot)).rejects.toBeInstanceOf(
      TenantDatabaseExists,
    );
    await clients.get(s.metabase.name)?.end();
    clients.delete(s.metabase.name);
    await dropTenantDatabase(admin, s.metabase.name, filestoreRoot);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [s.metabase.name]);
    expect(rowCount).toBe(0);
    await expect(readFile(path.join(filestoreRoot, s.metabase.name, 'x'))).rejects.toThrow();
    await seedTenantDatabase(admin, SECRET, s, filestoreRoot);
    expect(await param(await tenant(s.metabase.name), 'database.uuid')).toBe(s.metabase.uuid);
  });

  it('rebuilding the template is a no-op once it exists', async () => {
    const started = performance.now();
    await ensureTenantTemplate(admin, '17.0');
    await ensureTenantTemplate(admin, 'saas~17.4');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
