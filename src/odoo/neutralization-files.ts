import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface NeutralizationFile {
  module: string;
  /** The file found on the addons path. */
  file: string;
  /** Its text, trimmed as Odoo does before executing it. */
  sql: string;
}

/**
 * Each module's `data/neutralize.sql`, as Odoo's get_neutralization_queries finds it
 * (odoo/modules/neutralize.py, `file_open('<module>/data/neutralize.sql')`): the first folder of
 * the addons path holding that file, modules without one skipped, the modules' order kept.
 */
export async function neutralizationFiles(addonsPaths: string[], modules: string[]): Promise<NeutralizationFile[]> {
  const found: NeutralizationFile[] = [];
  for (const module of modules) {
    // A module name is a folder name; anything else (a path) is never looked up.
    if (!/^[A-Za-z0-9_]+$/.test(module)) continue;
    for (const folder of addonsPaths) {
      const file = path.join(folder, module, 'data', 'neutralize.sql');
      const sql = await readFile(file, 'utf8').catch(() => undefined);
      if (sql === undefined) continue;
      found.push({ module, file, sql: sql.trim() });
      break;
    }
  }
  return found;
}
