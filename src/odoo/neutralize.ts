import type pg from 'pg';
import { neutralizableModules } from '../tenant/neutralize.js';
import { neutralizationFiles } from './neutralization-files.js';

/**
 * Odoo's own neutralization (odoo/modules/neutralize.py neutralize_database) from the deployed
 * source: every module installed, to upgrade or to remove, in the order Odoo's query returns
 * them, runs its `data/neutralize.sql` found on the addons path, each file as one query, on the
 * caller's connection and in its transaction. Answers the modules that had a file.
 */
export async function neutralizeFromSource(client: pg.ClientBase, addonsPaths: string[]): Promise<string[]> {
  const files = await neutralizationFiles(addonsPaths, await neutralizableModules(client));
  // The files come from the platform's own deployed source, never from the tenant: trusted SQL,
  // sent whole through the simple query protocol as psycopg2 sends it.
  for (const f of files) await client.query(f.sql);
  return files.map((f) => f.module);
}
