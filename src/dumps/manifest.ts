import type pg from 'pg';

/** Odoo's `version_info` for a series: `17.0` → [17, 0, 0, 'final', 0, ''], `saas~17.4` → ['saas~17', 4, 0, 'final', 0, '']. */
export function versionInfo(version: string): (string | number)[] {
  const m = /^(saas~)?(\d+)\.(\d+)/.exec(version);
  if (!m) return [version, 0, 0, 'final', 0, ''];
  const major = m[1] ? `saas~${m[2]}` : Number(m[2]);
  return [major, Number(m[3]), 0, 'final', 0, ''];
}

export interface OdooManifest {
  odoo_dump: '1';
  db_name: string;
  version: string;
  version_info: (string | number)[];
  major_version: string;
  pg_version: string;
  modules: Record<string, string>;
}

/** What Odoo's `dump_db_manifest` writes, read from the tenant database itself. */
export async function odooManifest(
  client: pg.ClientBase,
  database: string,
  version: string,
): Promise<OdooManifest> {
  const modules = await client.query<{ name: string; latest_version: string | null }>(
    `SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' ORDER BY name`,
  );
  const pgv = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  const num = Number(pgv.rows[0].v);
  const pgVersion =
    num >= 100000
      ? `${Math.floor(num / 10000)}.${num % 10000}`
      : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
  const m = /^(saas~)?\d+\.\d+/.exec(version);
  return {
    odoo_dump: '1',
    db_name: database,
    version,
    version_info: versionInfo(version),
    major_version: m ? m[0] : version,
    pg_version: pgVersion,
    modules: Object.fromEntries(modules.rows.map((r) => [r.name, r.latest_version ?? ''])),
  };
}
