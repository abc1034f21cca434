import type pg from 'pg';

export interface InstalledModule {
  name: string;
  /** The version installed in the database (`17.0.1.3`), as Odoo records it after an install or update. */
  latest_version: string | null;
}

/** ir_module_module rows in state installed, by name. */
export async function installedModules(client: pg.ClientBase): Promise<InstalledModule[]> {
  const { rows } = await client.query<InstalledModule>(
    `SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' ORDER BY name`,
  );
  return rows;
}

/** Records a module's installed version, as Odoo's module update does at its end. */
export async function setModuleVersion(client: pg.ClientBase, name: string, version: string): Promise<void> {
  await client.query(
    `UPDATE ir_module_module SET latest_version = $2, write_uid = 1, write_date = now() at time zone 'UTC' WHERE name = $1`,
    [name, version],
  );
}
