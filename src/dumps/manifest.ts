import type pg from 'pg';
import { installedModules, type InstalledModule } from '../tenant/modules.js';

/** Odoo's `version_info` for a series: `17.0` → [17, 0, 0, 'final', 0, ''], `saas~17.4` → ['saas~17', 4, 0, 'final', 0, '']. */
export function versionInfo(version: string): (string | number)[] {
  const m = /^(saas~)?(\d+)\.(\d+)/.exec(version);
  if (!m) return [version, 0, 0, 'final', 0, ''];
  const major = m[1] ? `saas~${m[2]}` : Number(m[2]);
  return [major, Number(m[3]), 0, 'final', 0, ''];
}

/**
 * Odoo's `dump_db_manifest` writes `"%d.%d" % divmod(server_version / 100, 100)` with Python 3's
 * true division: 150018 → 1500.18 → (15, 0.18) → "15.0"; 90605 → 906.05 → (9, 6.05) → "9.6".
 * From PostgreSQL 10 on the minor digits are the patch level, so the result is always `<major>.0`.
 */
export function odooPgVersion(serverVersionNum: number): string {
  const hundredths = serverVersionNum / 100;
  return `${Math.floor(hundredths / 100)}.${Math.floor(hundredths % 100)}`;
}

export interface OdooManifest {
  odoo_dump: '1';
  db_name: string;
  version: string;
  version_info: (string | number)[];
  major_version: string;
  pg_version: string;
  /** Module → latest_version; null for a module Odoo never recorded a version of, as Odoo's json.dump writes None. */
  modules: Record<string, string | null>;
}

/** `dict(cr.fetchall())` of `SELECT name, latest_version ... WHERE state = 'installed'`, a NULL version kept null. */
export function manifestModules(modules: InstalledModule[]): Record<string, string | null> {
  return Object.fromEntries(modules.map((r) => [r.name, r.latest_version]));
}

/** What Odoo's `dump_db_manifest` writes, read from the tenant database itself. */
export async function odooManifest(
  client: pg.ClientBase,
  database: string,
  version: string,
): Promise<OdooManifest> {
  const modules = await installedModules(client);
  const pgv = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  const m = /^(saas~)?\d+\.\d+/.exec(version);
  return {
    odoo_dump: '1',
    db_name: database,
    version,
    version_info: versionInfo(version),
    major_version: m ? m[0] : version,
    pg_version: odooPgVersion(Number(pgv.rows[0].v)),
    modules: manifestModules(modules),
  };
}
