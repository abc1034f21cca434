import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import { freePort } from '../hosting/cluster.js';
import {
  assignFrontEnd,
  databasesServedBy,
  frontEndOf,
  withFrontEndLock,
  type FrontEnd,
} from '../metabase/repositories/front-ends.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { isValidDatabaseName } from '../hosting/database-name.js';
import { activeTlsDomains } from './tls-domains.js';
import {
  masterPid,
  NGINX_INSTALL_HINT,
  nginxInstalled,
  reloadNginx,
  startNginx,
  killNginx,
  stopNginx,
} from './nginx.js';
import { frontEndPaths, type FrontEndPaths } from './paths.js';
import { startPlaceholderBackend } from './placeholder-backend.js';
import { odooUpstreamOf, startOdooWorkers, type RunningOdooWorkers } from '../odoo/serving.js';
import { writeFrontEndConf, writeSites, type SiteChange } from './sites.js';

export interface RunningFrontEnd {
  server: HostingServerRow;
  frontEnd: FrontEnd;
  paths: FrontEndPaths;
  /** The nginx master's pid. */
  master: number;
  /** The server's Odoo workers, one per series it has an Odoo for (none: the placeholder serves). */
  odoo: RunningOdooWorkers;
  stop(): Promise<void>;
}

/** The shared (http, https) pair of the first front end: two distinct free ports. */
async function pickPorts(): Promise<{ httpPort: number; httpsPort: number }> {
  const httpPort = await freePort();
  let httpsPort = await freePort();
  while (httpsPort === httpPort) httpsPort = await freePort();
  return { httpPort, httpsPort };
}

/** Every database of the server gets its site; a site left for a database no longer there goes. */
async function syncSites(app: App, server: HostingServerRow): Promise<void> {
  const served = await databasesServedBy(app.metabase, server.id);
  const names = new Set(served.map((d) => d.name));
  const changes: SiteChange[] = [];
  for (const d of served) {
    changes.push({
      database: d.name,
      site: {
        secure: d.secure,
        tlsDomains: await activeTlsDomains(app, d.name),
        odooUpstream: await odooUpstreamOf(app, server, d.version),
      },
    });
  }
  const { sitesDir } = frontEndPaths(server);
  for (const f of await readdir(sitesDir).catch(() => [] as string[])) {
    const database = path.basename(f, '.conf');
    if (f.endsWith('.conf') && isValidDatabaseName(database) && !names.has(database))
      changes.push({ database, site: null });
  }
  await writeSites(app, server, changes);
}

/**
 * Runs a hosting server's front end in this process: gives the server its loopback address and
 * the shared port pair (once, in the metabase), starts the placeholder Odoo backend, writes
 * nginx.conf and every database's site, and starts nginx as a non-root user, or takes over
 * the one a previous process left running (reloaded with this process's backend). Answers
 * null, after a warning, when nginx is not installed: the platform runs without it.
 */
export async function startFrontEnd(app: App, given: HostingServerRow): Promise<RunningFrontEnd | null> {
  if (!(await nginxInstalled())) {
    app.log.warn(
      `nginx is not installed: the hosting server "${given.name}" runs without its front end (${NGINX_INSTALL_HINT})`,
    );
    return null;
  }
  const server = await assignFrontEnd(app.metabase, given.id, pickPorts);
  const frontEnd = frontEndOf(server)!;
  const backend = await startPlaceholderBackend(frontEnd.address);
  let odoo: RunningOdooWorkers | undefined;
  try {
    odoo = await startOdooWorkers(app, server);
    const upstreams = odoo.upstreams;
    const paths = await withFrontEndLock(app.metabase, server.id, () =>
      writeFrontEndConf(server, backend.address, upstreams),
    );
    await syncSites(app, server);
    let master = await masterPid(paths);
    if (master) await reloadNginx(master);
    else master = await startNginx(paths);
    const pid = master;
    return {
      server,
      frontEnd,
      paths,
      master: pid,
      odoo,
      async stop() {
        await stopNginx(pid);
        await odoo?.stop();
        await backend.close();
      },
    };
  } catch (e) {
    await odoo?.stop();
    await backend.close();
    throw e;
  }
}

/**
 * Starts the front ends of `servers` (see startFrontEnd); stop() stops them all. One that cannot
 * start (its port taken meanwhile, say) is logged with nginx's reason: the platform runs on.
 */
export async function startFrontEnds(
  app: App,
  servers: HostingServerRow[],
): Promise<{ running: RunningFrontEnd[]; stop(): Promise<void>; kill(): Promise<void> }> {
  const running: RunningFrontEnd[] = [];
  for (const s of servers) {
    try {
      const fe = await startFrontEnd(app, s);
      if (fe) running.push(fe);
    } catch (err) {
      app.log.error(
        { err: (err as Error).message, server: s.name },
        'the front end of this hosting server did not start',
      );
    }
  }
  if (running.length) {
    app.log.info(
      { frontEnds: running.map((f) => ({ server: f.server.name, ...f.frontEnd })) },
      'front ends (nginx) running',
    );
  }
  return {
    running,
    async stop() {
      for (const fe of running) await fe.stop();
    },
    async kill() {
      for (const fe of running) await killNginx(fe.master);
    },
  };
}
