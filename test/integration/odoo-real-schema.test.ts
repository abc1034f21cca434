/**
 * Our tenant templates (src/tenant/schema/, what tenant databases are made from without Odoo)
 * against the real Odoo database of the same series and modules (a typical SaaS customer's, made
 * by `odoo-bin -i` in the pretest): every table and column a template declares must exist in
 * the real one with a compatible type and the same NOT NULL, and every xml id and view key the
 * template carries (the tools find groups, users, crons and views by them) must be there too,
 * naming the same model. A planted difference in a copy of the real database must be named.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';
import { ensureTenantTemplate, tenantTemplateName } from '../../src/tenant/template.js';
import {
  odooMadeDatabase,
  REAL_ODOO_REQUIRED,
  REAL_ODOO_SERIES,
  realOdooMissing,
  realOdooModules,
  realOdooSetUnavailable,
  realOdooTree,
  startRealOdooCluster,
  type RealOdooCluster,
} from '../support/real-odoo.js';

const SERIES = REAL_ODOO_SERIES;

const missing = await realOdooMissing(SERIES);
if (missing) console.warn(`Real-Odoo schema comparison skipped: ${missing}.`);
// The comparison is against the saas-customer databases: made only when asked or cached.
const unavailable = missing ? undefined : await realOdooSetUnavailable('saas-customer', SERIES);
if (unavailable) console.warn(`Real-Odoo schema comparison skipped: ${unavailable}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)(
  'real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)',
  () => {
    it('is available', () => {
      expect.fail(`Real Odoo is required but ${missing}.`);
    });
  },
);

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
  /** ir_module_module: every module Odoo knows (on its addons path) and its state. */
  modules: Map<string, string>;
}

/** A database's public tables and columns, xml ids (module.name → model) and view keys. */
async function shapeOf(db: pg.Client): Promise<Shape> {
  const { rows } = await db.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
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
  const xml = await db.query<{ id: string; model: string }>(
    `SELECT module || '.' || name AS id, model FROM ir_model_data`,
  );
  const views = await db.query<{ key: string }>(`SELECT key FROM ir_ui_view WHERE key IS NOT NULL`);
  const modules = await db.query<{ name: string; state: string }>(`SELECT name, state FROM ir_module_module`);
  return {
    columns,
    tables: new Set(rows.map((r) => r.table_name)),
    xmlIds: new Map(xml.rows.map((r) => [r.id, r.model])),
    viewKeys: new Set(views.rows.map((r) => r.key)),
    modules: new Map(modules.rows.map((r) => [r.name, r.state])),
  };
}

/**
 * A type ours may declare for Odoo's: the same as information_schema names it, so a varchar of
 * any size matches Odoo's varchar (a Char field's size is the ORM's check, not a column's).
 */
function compatible(ours: string, real: string): boolean {
  return ours === real;
}

/**
 * The template's xml ids a database of this module set cannot have, whatever our schema: records
 * of modules the set does not install (crm_iap_mine's, Enterprise's iap_extract) and module
 * records (`base.module_<name>`) of modules not on its addons path (Enterprise, hr, purchase).
 */
function outOfScope(id: string, model: string, real: Shape): boolean {
  const [module, name] = id.split('.');
  if (model === 'ir.module.module') return !real.modules.has(name.slice('module_'.length));
  return real.modules.get(module) !== 'installed';
}

/** Every way the template is not what real Odoo has, one line each. */
function differences(template: Shape, real: Shape): string[] {
  const out: string[] = [];
  for (const table of template.tables)
    if (!real.tables.has(table)) out.push(`table ${table} is not in the real database`);
  for (const [key, ours] of template.columns) {
    if (!real.tables.has(ours.table)) continue;
    const theirs = real.columns.get(key);
    if (!theirs) out.push(`column ${key} is not in the real database`);
    else {
      if (!compatible(ours.type, theirs.type))
        out.push(`column ${key} is ${ours.type} in the template, ${theirs.type} in Odoo`);
      if (ours.notNull !== theirs.notNull)
        out.push(
          `column ${key} is ${ours.notNull ? 'NOT NULL' : 'nullable'} in the template, ${theirs.notNull ? 'NOT NULL' : 'nullable'} in Odoo`,
        );
    }
  }
  for (const [id, model] of template.xmlIds) {
    if (outOfScope(id, model, real)) continue;
    const theirs = real.xmlIds.get(id);
    if (theirs === undefined) out.push(`xml id ${id} (${model}) is not in the real database`);
    else if (theirs !== model) out.push(`xml id ${id} is a ${model} in the template, a ${theirs} in Odoo`);
  }
  for (const key of template.viewKeys)
    if (!real.viewKeys.has(key)) out.push(`view ${key} is not in the real database`);
  return out.sort();
}

const EVERY_SERIES = [
  // Odoo's ir.module.module.dependency has no create/write columns (_log_access = False).
  'column ir_module_module_dependency.create_date is not in the real database',
  'column ir_module_module_dependency.create_uid is not in the real database',
  'column ir_module_module_dependency.write_date is not in the real database',
  'column ir_module_module_dependency.write_uid is not in the real database',
  // Not a column of mass_mailing's mailing.trace in 16.0-18.0.
  'column mailing_trace.is_test_trace is not in the real database',
  // res.users.signature is an Html field, not translated: text.
  'column res_users.signature is jsonb in the template, text in Odoo',
  // publisher_warranty.contract is mail's model: its xml id is mail.model_publisher_warranty_contract.
  'xml id base.model_publisher_warranty_contract (ir.model) is not in the real database',
];

/**
 * What the templates still have that real Odoo does not, found by this test and not yet fixed in
 * src/tenant/schema/ (each named, so a new difference fails, and so does one fixed without
 * taking it off this list).
 */
const KNOWN_DIFFERENCES: Record<OdooSeries, string[]> = {
  '16.0': [
    ...EVERY_SERIES,
    // 16.0's ir.cron.cron_name is the related, translated name of its server action: jsonb.
    'column ir_cron.cron_name is character varying in the template, jsonb in Odoo',
    // failure_reason is on mailing.trace from 17.0.
    'column mailing_trace.failure_reason is not in the real database',
    // The inactive-user deletion cron is base's from 17.0.
    'xml id base.ir_cron_res_users_deletion (ir.cron) is not in the real database',
    'xml id base.ir_cron_res_users_deletion_ir_actions_server (ir.actions.server) is not in the real database',
  ].sort(),
  '17.0': [...EVERY_SERIES].sort(),
  '18.0': [
    ...EVERY_SERIES,
    // 18.0's Lead Generation service is iap's own record (addons/iap/data/services.xml): iap.iap_service_reveal.
    'xml id crm_iap_mine.iap_service_reveal (iap.service) is not in the real database',
  ].sort(),
};

let odoo: RealOdooCluster;
const shapes = new Map<OdooSeries, { template: Shape; real: Shape; realName: string }>();

describe.skipIf(missing || unavailable)('tenant templates against real Odoo databases', () => {
  beforeAll(async () => {
    odoo = await startRealOdooCluster('schema');
    for (const series of SERIES) await ensureTenantTemplate(odoo.admin, series);
    await Promise.all(
      SERIES.map(async (series) => {
        const tree = await realOdooTree(series);
        const realName = `odoo_${series.replace('.', '_')}_saas`;
        await odooMadeDatabase(
          odoo.runner,
          odoo.cluster,
          tree,
          series,
          await realOdooModules('saas-customer', series, tree),
          realName,
        );
        const template = await odoo.connect(tenantTemplateName(series));
        const real = await odoo.connect(realName);
        shapes.set(series, { template: await shapeOf(template), real: await shapeOf(real), realName });
        await template.end();
        await real.end();
      }),
    );
  }, 3_600_000);

  afterAll(async () => {
    await odoo?.stop();
  }, 60_000);

  describe.each(SERIES)('Odoo %s', (series) => {
    it('every table, column, xml id and view key of the template is in the real database, alike, but the known differences', () => {
      const { template, real } = shapes.get(series)!;
      expect(template.columns.size).toBeGreaterThan(100);
      const skipped = [...template.xmlIds]
        .filter(([id, model]) => outOfScope(id, model, real))
        .map(([id]) => id);
      console.info(`Odoo ${series}: template xml ids out of this module set's scope: ${skipped.join(', ')}.`);
      expect(differences(template, real)).toEqual(KNOWN_DIFFERENCES[series]);
    });

    it('names a difference planted in a copy of the real database', async () => {
      const { template, realName } = shapes.get(series)!;
      const planted = `${realName}_planted`;
      await odoo.admin.query(`CREATE DATABASE ${planted} TEMPLATE ${realName}`);
      const db = await odoo.connect(planted);
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
