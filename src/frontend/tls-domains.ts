import type { App } from '../app.js';
import { servedTlsDomains } from '../domains/served.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import type { TlsDomain } from './server-block.js';

/**
 * The custom domains of a database that have an installed certificate, with their files: what
 * `applySite` renders as TLS blocks. The custom-domains side (src/domains/served.ts) answers it
 * from its domain table.
 */
export async function activeTlsDomains(app: App, database: string): Promise<TlsDomain[]> {
  const row = await findDatabase(app.metabase, database);
  if (!row) return [];
  return servedTlsDomains(app.metabase, app.config, await app.tenants.server(row.server_id), database);
}
