import type { App } from '../app.js';
import { frontEndOf, type FrontEnd } from '../metabase/repositories/front-ends.js';
import { countActiveDatabasesByServer, listServers } from '../metabase/repositories/servers.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { diskFreeAt, diskUsedUnder, readClusterFigures } from '../hosting/server-status.js';
import { odooSourcesOf } from '../odoo/serving.js';
import type { OdooSeries } from '../tenant/odoo-version.js';

/** How long a hosting server has to answer before the list shows it unhealthy. */
export const SERVER_ANSWER_MS = 2_000;

/** One line of GET /api/servers. Figures a server could not give are null. */
export interface ServerOverview {
  name: string;
  /** Active databases the metabase places on it. */
  databases: number;
  /** Its cluster's databases plus its filestores, on disk; null when the cluster does not answer. */
  diskUsedBytes: number | null;
  /** Free space on the file system of its folders (the filestore root dbtools writes to). */
  diskFreeBytes: number | null;
  connections: number | null;
  pgVersion: string | null;
  /** Its cluster answered within SERVER_ANSWER_MS. */
  healthy: boolean;
  /** Where its nginx front end listens (see src/frontend); null when the platform does not run it. */
  frontEnd: FrontEnd | null;
  /**
   * The Odoo series its front end's databases are served by real Odoo workers for (the server's
   * Odoo source per series, see src/odoo/serving.ts); empty: the placeholder answers (no Odoo
   * source), or the platform does not run its front end (frontEnd null).
   */
  odooSeries: OdooSeries[];
}

async function overviewOf(app: App, server: HostingServerRow, databases: number, timeoutMs: number): Promise<ServerOverview> {
  const [figures, filestore, free] = await Promise.all([
    readClusterFigures(app.tenants.clusterConfig(server), timeoutMs),
    diskUsedUnder(server.filestore_root).catch(() => undefined),
    diskFreeAt(server.filestore_root),
  ]);
  return {
    name: server.name,
    databases,
    diskUsedBytes: figures && filestore !== undefined ? figures.databasesBytes + filestore : null,
    diskFreeBytes: free ?? null,
    connections: figures?.connections ?? null,
    pgVersion: figures?.pgVersion ?? null,
    healthy: !!figures,
    frontEnd: frontEndOf(server),
    odooSeries: frontEndOf(server) ? (await odooSourcesOf(app.config, server.name)).map((o) => o.series) : [],
  };
}

/** Every hosting server with its load and health, read from the servers themselves at once. */
export async function serverOverview(app: App, timeoutMs = SERVER_ANSWER_MS): Promise<ServerOverview[]> {
  const [servers, counts] = await Promise.all([listServers(app.metabase), countActiveDatabasesByServer(app.metabase)]);
  return Promise.all(servers.map((s) => overviewOf(app, s, counts.get(s.id) ?? 0, timeoutMs)));
}
