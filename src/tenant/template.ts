import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { quoteDatabaseName } from '../hosting/database-name.js';
import { DEMO_PASSWORD_ROUNDS, hashOdooPassword } from './password.js';

export const DEFAULT_TENANT_TEMPLATE = 'dbtools_tenant_template';

const SCHEMA_FILES = ['schema.sql', 'base-data.sql'] as const;

async function readTemplateSql(): Promise<{ sql: string; fingerprint: string }> {
  const parts = await Promise.all(
    SCHEMA_FILES.map((f) => readFile(new URL(`./${f}`, import.meta.url), 'utf8')),
  );
  const sql = parts.join('\n');
  return { sql, fingerprint: createHash('sha1').update(sql).digest('hex').slice(0, 12) };
}

/** The template carries the fingerprint of the SQL it was built from, so a schema change rebuilds it. */
function markerFor(fingerprint: string): string {
  return `dbtools tenant template ${fingerprint}`;
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

/** A template cannot be dropped while it is flagged as one, nor while anyone is connected to it. */
async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  const quoted = quoteDatabaseName(name);
  if (!(await findDatabase(admin, name))) return;
  await admin.query(`ALTER DATABASE ${quoted} IS_TEMPLATE false`);
  await admin.query(`DROP DATABASE ${quoted} WITH (FORCE)`);
}

/**
 * Creates the template every tenant database is cloned from: Odoo's schema subset plus its base
 * data. It is built under a temporary name and renamed only when complete, so a run that dies
 * half-way leaves nothing that looks finished; the next run throws the leftover away.
 * Concurrent callers serialize on an advisory lock.
 */
export async function ensureTenantTemplate(
  admin: pg.Client,
  name: string = DEFAULT_TENANT_TEMPLATE,
): Promise<void> {
  const quoted = quoteDatabaseName(name);
  const building = `${name.slice(0, 50)}_building`;
  const { sql, fingerprint } = await readTemplateSql();
  const marker = markerFor(fingerprint);

  await admin.query(`SELECT pg_advisory_lock(hashtext('dbtools:tenant-template:' || $1))`, [name]);
  try {
    const existing = await findDatabase(admin, name);
    if (existing?.datistemplate && existing.marker === marker) return;
    await dropDatabase(admin, building);

    await admin.query(`CREATE DATABASE ${quoteDatabaseName(building)} TEMPLATE template0 ENCODING 'UTF8'`);
    const db = new pg.Client({
      host: admin.host,
      port: admin.port,
      user: admin.user,
      password: admin.password,
      database: building,
    });
    await db.connect();
    try {
      await db.query(sql);
      // The template's admin password is "admin", as on a fresh Odoo; every seeded tenant replaces it.
      await db.query(`UPDATE res_users SET password = $1 WHERE id = 2`, [
        hashOdooPassword('admin', { rounds: DEMO_PASSWORD_ROUNDS }),
      ]);
      await db.query('VACUUM (FREEZE, ANALYZE)');
    } finally {
      await db.end();
    }
    await admin.query(`COMMENT ON DATABASE ${quoteDatabaseName(building)} IS ${pg.escapeLiteral(marker)}`);
    await admin.query(`ALTER DATABASE ${quoteDatabaseName(building)} IS_TEMPLATE true`);

    // Swap only now: an outdated template is replaced, never left half-built.
    if (existing) await dropDatabase(admin, name);
    await admin.query(`ALTER DATABASE ${quoteDatabaseName(building)} RENAME TO ${quoted}`);
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('dbtools:tenant-template:' || $1))`, [name]);
  }
}
