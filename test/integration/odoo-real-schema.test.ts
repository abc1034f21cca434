/**
 * Our tenant templates (src/tenant/schema/, what tenant databases are made from without Odoo)
 * against the real Odoo database of the same series and modules (a typical SaaS customer's, made
 * by `odoo-bin -i` in the pretest): every table and column a template declares must exist in
 * the real one with a compatible type and the same NOT NULL, and every xml id and view key the
 * template carries (the tools find groups, users, crons and views by them) must be there too,
 * naming the same model. A planted difference in a copy of the real database must be named.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type EmbeddedCluster } from '../../src/hosting/cluster.js';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';
import { ensureTenantTemplate, tenantTemplateName } from '../../src/tenant/template.js';
import {
  ensureOdooDependencies,
  odooMadeDatabase,
  odooRunner,
  REAL_ODOO_REQUIRED,
  REAL_ODOO_SERIES,
  realOdooMissing,
  realOdooModules,
  realOdooTree,
  type OdooRunner,
} from '../support/real-odoo.js';

const SERIES = REAL_ODOO_SERIES;

const missing = await realOdooMissing(SERIES);
if (missing) console.warn(`Real-Odoo schema comparison skipped: ${missing}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)('real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)', () => {
  it('is available', () => {
    expect.fail(`Real Odoo is required but ${missing}.`);
  });
});

interface Column {
  table: string;
  column: string;
  type: string;
  notNull: boolean;
}

interface Shape {
  columns: Map<string, Column>;
  tables: Set<string>;
  xmlIds: Map<string, string>;
  viewKeys: Set<string>;
}

/** A database's public tables and columns, xml ids (module.name → model) and view keys. */
async function shapeOf(db: pg.Client): Promise<Shape> {
  const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable
       FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
  );
  const columns = new Map(
    rows.map((r) => [
      `${r.table_name}.${r.column_name}`,
      { table: r.table_name, column: r.column_name, type: r.data_type, notNull: r.is_nullable === 'NO' },
    ]),
  );
  const xml = await db.query<{ id: string; model: string }>(`SELECT module || '.' || name AS id, model FROM ir_model_data`);
  const views = await db.query<{ key: string }>(`SELECT key FROM ir_ui_view WHERE key IS NOT NULL`);
  return {
    columns,
    tables: new Set(rows.map((r) => r.table_name)),
    xmlIds: new Map(xml.rows.map((r) => [r.id, r.model])),
    viewKeys: new Set(views.rows.map((r) => r.key)),
  };
}

/**
 * A type ours may declare for Odoo's: the same as information_schema names it, so a varchar of
 * any size matches Odoo's varchar (a Char field's size is the ORM's check, not a column's).
 */
function compatible(ours: string, real: string): boolean {
  return ours === real;
}

/** Every way the template is not what real Odoo has, one line each. */
function differences(template: Shape, real: Shape): string[] {
  const out: string[] = [];
  for (const table of template.tables) if (!real.tables.has(table)) out.push(`table ${table} is not in the real database`);
  for (const [key, ours] of template.columns) {
    if (!real.tables.has(ours.table)) continue;
    const theirs = real.columns.get(key);
    if (!theirs) out.push(`column ${key} is not in the real database`);
    else {
      if (!compatible(ours.type, theirs.type)) out.push(`column ${key} is ${ours.type} in the template, ${theirs.type} in Odoo`);
      if (ours.notNull !== theirs.notNull)
        out.push(`column ${key} is ${ours.notNull ? 'NOT NULL' : 'nullable'} in the template, ${theirs.notNull ? 'NOT NULL' : 'nullable'} in Odoo`);
    }
  }
  for (const [id, model] of template.xmlIds) {
    const theirs = real.xmlIds.get(id);
    if (theirs === undefined) out.push(`xml id ${id} (${model}) is not in the real database`);
    else if (theirs !== model) out.push(`xml id ${id} is a ${model} in the template, a ${theirs} in Odoo`);
  }
  for (const key of template.viewKeys) if (!real.viewKeys.has(key)) out.push(`view ${key} is not in the real database`);
  return out.sort();
}

let dir: string;
let cluster: EmbeddedCluster;
let admin: pg.Client;
let runner: OdooRunner;
const clients: pg.Client[] = [];
const shapes = new Map<OdooSeries, { template: Shape; real: Shape; realName: string }>();

async function connect(database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database });
  await c.connect();
  clients.push(c);
  return c;
}

describe.skipIf(missing)('tenant templates against real Odoo databases', () => {
  beforeAll(async () => {
    await ensureOdooDependencies();
    dir = await mkdtemp(path.join(os.tmpdir(), 'dbtools-odoo-schema-'));
    await chmod(dir, 0o755);
    cluster = await startCluster({ dir: path.join(dir, 'cluster'), durable: false });
    admin = await connect('postgres');
    runner = await odooRunner(cluster, admin, dir);
    for (const series of SERIES) await ensureTenantTemplate(admin, series);
    await Promise.all(
      SERIES.map(async (series) => {
        const tree = await realOdooTree(series);
        const realName = `odoo_${series.replace('.', '_')}_saas`;
        await odooMadeDatabase(runner, cluster, tree, series, await realOdooModules('saas-customer', series, tree), realName);
        const template = await connect(tenantTemplateName(series));
        const real = await connect(realName);
        shapes.set(series, { template: await shapeOf(template), real: await shapeOf(real), realName });
        await template.end();
        await real.end();
      }),
    );
  }, 3_600_000);

  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  describe.each(SERIES)('Odoo %s', (series) => {
    it('every table, column, xml id and view key of the template is in the real database, alike', () => {
      const { template, real } = shapes.get(series)!;
      expect(template.columns.size).toBeGreaterThan(100);
      expect(differences(template, real)).toEqual([]);
    });

    it('names a difference planted in a copy of the real database', async () => {
      const { template, realName } = shapes.get(series)!;
      const planted = `${realName}_planted`;
      await admin.query(`CREATE DATABASE ${planted} TEMPLATE ${realName}`);
      const db = await connect(planted);
      await db.query(`ALTER TABLE res_users DROP COLUMN oauth_uid CASCADE`);
      await db.query(`ALTER TABLE mail_mail ALTER COLUMN state TYPE text`);
      await db.query(`DELETE FROM ir_model_data WHERE module = 'base' AND name = 'group_system'`);
      const found = differences(template, await shapeOf(db));
      expect(found).toEqual(
        expect.arrayContaining([
          'column res_users.oauth_uid is not in the real database',
          'column mail_mail.state is character varying in the template, text in Odoo',
          'xml id base.group_system (res.groups) is not in the real database',
        ]),
      );
      await db.end();
    });
  });
});
