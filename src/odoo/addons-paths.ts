import type { App } from '../app.js';
import type { Config } from '../config/config.js';
import { odooSeries } from '../tenant/odoo-version.js';
import { odooTreeOf } from './sources-folder.js';
import { treeAddonsPaths } from './tree.js';

/**
 * The addons path of the Odoo a hosting server runs for a version: the `odooAddonsPaths` of its
 * entry in the config file for that series (its odoo, enterprise, design-themes checkouts and
 * customer modules, in Odoo's order), else the tree of DBTOOLS_ODOO_SOURCES for the series (the
 * embedded default). Undefined when neither has the series: dbtools' ported rules apply.
 */
export async function odooAddonsPathsOf(config: Config, serverName: string, version: string): Promise<string[] | undefined> {
  const series = odooSeries(version);
  const configured = config.servers.find((s) => s.name === serverName)?.odooAddonsPaths?.[series];
  if (configured) return configured;
  if (!config.odooSources) return undefined;
  const tree = await odooTreeOf(config.odooSources, series, config.dataDir);
  return tree ? treeAddonsPaths(tree) : undefined;
}

/** The addons path a database's copy is neutralized from: its server's Odoo of its version. */
export async function odooAddonsPathsOfDatabase(
  app: App,
  database: { server_id: number; version: string },
): Promise<string[] | undefined> {
  const server = await app.tenants.server(database.server_id);
  return odooAddonsPathsOf(app.config, server.name, database.version);
}
