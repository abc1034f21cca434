import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { createDatabase, dropTemplateDatabase, renameDatabase } from '../hosting/cluster-databases.js';
import { quoteDatabaseName } from '../hosting/database-name.js';
import { ensureTemplateRole, TEMPLATE_ROLE } from '../hosting/tenant-role.js';
import { ODOO_SERIES, odooSeries, type OdooSeries } from './odoo-version.js';
import { DEMO_PASSWORD_ROUNDS, hashOdooPassword } from './password.js';

/** One template per Odoo series: `dbtools_tenant_template_17_0`. saas~17.x shares 17.0's. */
export function tenantTemplateName(version: string): string {
  return `dbtools_tenant_template_${odooSeries(version).replace('.', '_')}`;
}

/** The 17.0 template: kept for callers that predate per-version templates. */
export const DEFAULT_TENANT_TEMPLATE = tenantTemplateName('17.0');

/**
 * What each series adds to common.sql (src/tenant/schema/): a fragment is the change Odoo made at
 * one point, shared by every series on that side of it; `<fragment>-data.sql` completes
 * base-data.sql for the fragment's columns.
 */
const SCHEMA_FRAGMENTS: Record<OdooSeries, string[]> = {
  '16.0': ['16.0', 'before-18.0'],
  '17.0': ['17.0-and-later', 'before-18.0'],
  '18.0': ['17.0-and-later', 'saas-17.1-and-later', '18.0'],
};

/** The files a series' template is built from, in order. */
function schemaFiles(series: OdooSeries): string[] {
  const fragments = SCHEMA_FRAGMENTS[series];
  return [
    'common.sql',
    ...fragments.map((f) => `${f}.sql`),
    'base-data.sql',
    ...fragments.map((f) => `${f}-data.sql`),
    'finish.sql',
  ];
}

export async function tenantSchemaSql(version: string): Promise<{ sql: string; fingerprint: string }> {
  const parts = await Promise.all(
    schemaFiles(odooSeries(version)).map((f) => readFile(new URL(`./schema/${f}`, import.meta.url), 'utf8')),
  );
  const sql = parts.join('\n');
  return { sql, fingerprint: createHash('sha1').update(sql).digest('hex').slice(0, 12) };
}

/** The template carries the fingerprint of the SQL it was built from, so a schema change rebuilds it. */
function markerFor(fingerprint: string): string {
  return `dbtools tenant template ${fingerprint} owned by ${TEMPLATE_ROLE} (2)`;
}

interface DatabaseRow {
  datistemplate: boolean;
  marker: string | null;
}

async function findDatabase(admin: pg.Client, name: string): Promise<DatabaseRow | undefined> {
  const { rows } = await admin.query<DatabaseRow>(
    `SELECT datistemplate, shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = $1`,
    [name],
  );
  return rows[0];
}


/**
 * Creates the template every tenant database of `version` is cloned from: the tables of that
 * Odoo series as Odoo creates them, plus its base data. It is built under a temporary name and
 * renamed only when complete, so a run that dies half-way leaves nothing that looks finished;
 * the next run throws the leftover away. Concurrent callers serialize on an advisory lock.
 */
export async function ensureTenantTemplate(admin: pg.Client, version: string): Promise<void> {
  const name = tenantTemplateName(version);
  const building = `${name.slice(0, 50)}_building`;
  const { sql, fingerprint } = await tenantSchemaSql(version);
  const marker = markerFor(fingerprint);

  await admin.query(`SELECT pg_advisory_lock(hashtext('dbtools:tenant-template:' || $1))`, [name]);
  try {
    const existing = await findDatabase(admin, name);
    if (existing?.datistemplate && existing.marker === marker) return;
    await dropTemplateDatabase(admin, building);

    await ensureTemplateRole(admin);
    await createDatabase(admin, building);
    const db = new pg.Client({
      host: admin.host,
      port: admin.port,
      user: admin.user,
      password: admin.password,
      database: building,
    });
    await db.connect();
    try {
      // Built by the template role, so a tenant's role can take every object over (adoptObjects).
      await db.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${TEMPLATE_ROLE}`);
      await db.query(`SET ROLE ${TEMPLATE_ROLE}`);
      await db.query(sql);
      // The template's admin password is "admin", as on a fresh Odoo; every seeded tenant replaces it.
      await db.query(`UPDATE res_users SET password = $1 WHERE id = 2`, [
        hashOdooPassword('admin', { rounds: DEMO_PASSWORD_ROUNDS }),
      ]);
      await db.query('RESET ROLE');
      // Nothing of the template role stays in a tenant's ACLs (a dump of it names no role of ours).
      await db.query(`REVOKE ALL ON SCHEMA public FROM ${TEMPLATE_ROLE}`);
      await db.query('VACUUM (FREEZE, ANALYZE)');
    } finally {
      await db.end();
    }
    await admin.query(`COMMENT ON DATABASE ${quoteDatabaseName(building)} IS ${pg.escapeLiteral(marker)}`);
    await admin.query(`ALTER DATABASE ${quoteDatabaseName(building)} IS_TEMPLATE true`);

    // Swap only now: an outdated template is replaced, never left half-built.
    if (existing) await dropTemplateDatabase(admin, name);
    await renameDatabase(admin, building, name);
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('dbtools:tenant-template:' || $1))`, [name]);
  }
}

/** Every series' template, one after the other (each CREATE DATABASE copies files: no gain in parallel). */
export async function ensureTenantTemplates(admin: pg.Client, versions: readonly string[] = ODOO_SERIES): Promise<void> {
  const series = [...new Set(versions.map(odooSeries))];
  for (const s of series) await ensureTenantTemplate(admin, s);
}
