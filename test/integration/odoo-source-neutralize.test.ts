/**
 * Neutralization from a server's deployed Odoo source (src/odoo/): each installed module's
 * data/neutralize.sql found on the server's addons path runs, in Odoo's order, in the caller's
 * transaction; the ported rules are used only when no source is configured for the series.
 * Here the addons path is a folder the test writes (a customer module included), so the rules
 * hold without ../shared/odoo; odoo-real-neutralize.test.ts runs Odoo's own trees.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startCluster, type EmbeddedCluster } from '../../src/hosting/cluster.js';
import { odooAddonsPathsOf } from '../../src/odoo/addons-paths.js';
import { odooTreeOf } from '../../src/odoo/sources-folder.js';
import { describeNeutralization, neutralizeCopy } from '../../src/provisioning/neutralization.js';
import { ensureTenantTemplates, tenantTemplateName } from '../../src/tenant/template.js';

let dir: string;
let cluster: EmbeddedCluster;
let admin: pg.Client;
const clients: pg.Client[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dbtools-odoo-source-'));
  // mkdtemp makes it private; the cluster runs as the postgres user, who must traverse it.
  await chmod(dir, 0o755);
  cluster = await startCluster({ dir: path.join(dir, 'cluster'), durable: false });
  admin = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database: 'postgres' });
  await admin.connect();
  await ensureTenantTemplates(admin);
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

let counter = 0;
async function tenantOf(version: string): Promise<pg.Client> {
  const name = `odoo-source-${counter++}`;
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tenantTemplateName(version)}"`);
  const c = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database: name });
  await c.connect();
  clients.push(c);
  return c;
}

/** An addons folder: module → its data/neutralize.sql text. */
async function addons(name: string, files: Record<string, string>): Promise<string> {
  const folder = path.join(dir, name);
  for (const [module, sql] of Object.entries(files)) {
    await mkdir(path.join(folder, module, 'data'), { recursive: true });
    await writeFile(path.join(folder, module, 'data', 'neutralize.sql'), sql);
  }
  return folder;
}

const param = async (db: pg.Client, key: string) =>
  (await db.query<{ value: string }>('SELECT value FROM ir_config_parameter WHERE key = $1', [key])).rows[0]?.value;

describe('neutralizing from an Odoo source', () => {
  it("runs each installed module's own file, several statements each, and says which modules had one", async () => {
    const db = await tenantOf('17.0');
    const odoo = await addons('odoo-a', {
      base: `UPDATE ir_cron SET active = false;\nINSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', true)\n  ON CONFLICT (key) DO UPDATE SET value = true;\n`,
      // Not installed in the template: never run.
      website: `UPDATE website SET domain = 'must-not-run';`,
    });
    const custom = await addons('custom-a', {
      customer_sync: `-- the customer's own module\nUPDATE res_partner SET email = NULL WHERE id = 3;`,
    });
    await db.query(`INSERT INTO ir_module_module (name, state) VALUES ('customer_sync', 'to upgrade')`);
    await db.query(`UPDATE website SET domain = 'https://kept.example'`);
    await db.query('BEGIN');
    const report = await neutralizeCopy(db, '17.0', [odoo, custom]);
    await db.query('COMMIT');
    expect(report.via).toBe('odoo-source');
    expect([...report.modules].sort()).toEqual(['base', 'customer_sync']);
    expect(await param(db, 'database.is_neutralized')).toBe('true');
    expect((await db.query(`SELECT count(*)::int AS n FROM ir_cron WHERE active`)).rows).toEqual([{ n: 0 }]);
    expect((await db.query(`SELECT email FROM res_partner WHERE id = 3`)).rows).toEqual([{ email: null }]);
    expect((await db.query(`SELECT domain FROM website`)).rows).toEqual([{ domain: 'https://kept.example' }]);
    // Nothing of the ported rules ran: the web banner stays off (web has no file in this source).
    expect((await db.query(`SELECT active FROM ir_ui_view WHERE key = 'web.neutralize_banner'`)).rows).toEqual([
      { active: false },
    ]);
    expect(describeNeutralization(report)).toMatch(/^Neutralized by the server's Odoo source; modules with a neutralize\.sql: /);
  });

  it('takes the first folder of the addons path that has the file, as Odoo does', async () => {
    const db = await tenantOf('16.0');
    const first = await addons('first-b', { web: `UPDATE res_partner SET email = 'first' WHERE id = 3;` });
    const second = await addons('second-b', { web: `UPDATE res_partner SET email = 'second' WHERE id = 3;` });
    const report = await neutralizeCopy(db, '16.0', [first, second]);
    expect(report.modules).toEqual(['web']);
    expect((await db.query(`SELECT email FROM res_partner WHERE id = 3`)).rows).toEqual([{ email: 'first' }]);
  });

  it("fails the whole neutralization when a module's file fails: the caller's transaction rolls it all back", async () => {
    const db = await tenantOf('18.0');
    const odoo = await addons('odoo-c', {
      base: `UPDATE ir_cron SET active = false;`,
      mail: `TRUNCATE no_such_table;`,
    });
    await db.query('BEGIN');
    await expect(neutralizeCopy(db, '18.0', [odoo])).rejects.toMatchObject({ code: '42P01' });
    await db.query('ROLLBACK');
    expect((await db.query(`SELECT count(*)::int AS n FROM ir_cron WHERE active`)).rows[0].n).toBeGreaterThan(1);
  });

  it('uses the ported rules when the server has no Odoo source for the series, and says so', async () => {
    const db = await tenantOf('17.0');
    const report = await neutralizeCopy(db, '17.0', undefined);
    expect(report).toEqual({ via: 'fallback', modules: ['base', 'web', 'mail', 'iap', 'payment', 'auth_oauth'] });
    expect(describeNeutralization(report)).toMatch(/fallback rules/);
  });
});

describe("a hosting server's Odoo source", () => {
  it("is its config file entry's addons path for the series, else DBTOOLS_ODOO_SOURCES' tree, else none", async () => {
    const sources = path.join(dir, 'sources-d');
    await mkdir(path.join(sources, '17.0'), { recursive: true });
    await writeFile(path.join(sources, '17.0', 'odoo-bin'), '');
    const configFile = path.join(dir, 'config-d.json');
    await writeFile(
      configFile,
      JSON.stringify({
        servers: [
          {
            name: 'paris',
            url: 'postgres://u:p@db.example:5432/postgres',
            filestoreRoot: '/srv/f',
            backupRoot: '/srv/b',
            logDir: '/srv/l',
            configDir: '/srv/c',
            odooAddonsPaths: { '18.0': ['/srv/odoo-18/enterprise', '/srv/odoo-18/odoo/addons', '/srv/odoo-18/odoo/odoo/addons'] },
          },
        ],
      }),
    );
    const config = loadConfig({ DBTOOLS_CONFIG: configFile, DBTOOLS_ODOO_SOURCES: sources, DBTOOLS_DATA_DIR: dir });
    expect(await odooAddonsPathsOf(config, 'paris', '18.0')).toEqual([
      '/srv/odoo-18/enterprise',
      '/srv/odoo-18/odoo/addons',
      '/srv/odoo-18/odoo/odoo/addons',
    ]);
    expect(await odooAddonsPathsOf(config, 'paris', 'saas~17.4')).toEqual([
      path.join(sources, '17.0', 'addons'),
      path.join(sources, '17.0', 'odoo', 'addons'),
    ]);
    expect(await odooAddonsPathsOf(config, 'local', '16.0')).toBeUndefined();
    expect(await odooAddonsPathsOf(loadConfig({ DBTOOLS_DATA_DIR: dir }), 'local', '17.0')).toBeUndefined();
  });

  it('is unpacked once from an archive folder into the data folder, under a key of its SHA256SUMS', async () => {
    const sources = path.join(dir, 'archives-e');
    const made = path.join(dir, 'made-e');
    await mkdir(path.join(made, 'addons', 'web', 'data'), { recursive: true });
    await writeFile(path.join(made, 'odoo-bin'), '');
    await writeFile(path.join(made, 'addons', 'web', 'data', 'neutralize.sql'), 'SELECT 1;');
    await mkdir(sources);
    execFileSync('tar', ['-I', 'zstd', '-c', '-f', path.join(sources, 'odoo-16.0.tar.zst'), '-C', made, '.']);
    await writeFile(path.join(sources, 'SHA256SUMS'), 'abc  odoo-16.0.tar.zst\n');
    const dataDir = path.join(dir, 'data-e');
    const [a, b] = await Promise.all([odooTreeOf(sources, '16.0', dataDir), odooTreeOf(sources, '16.0', dataDir)]);
    expect(a).toBe(b);
    expect(a).toMatch(new RegExp(`^${dataDir}/odoo-sources/[0-9a-f]{16}/16\\.0$`));
    expect(await readdir(path.join(a!, 'addons', 'web', 'data'))).toEqual(['neutralize.sql']);
    expect(await readdir(path.dirname(a!))).toEqual(['16.0']);
    expect(await odooTreeOf(sources, '18.0', dataDir)).toBeUndefined();
  });
});
