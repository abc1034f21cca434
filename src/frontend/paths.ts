import path from 'node:path';
import type { HostingServerRow } from '../metabase/schema.js';
import { serverBlockPath } from './server-block.js';

type ServerDirs = Pick<HostingServerRow, 'config_dir'>;

/**
 * Where a hosting server's front end keeps its files, all under the server's config folder:
 * the sites (one file per database, where `set-security` always wrote them), the webroot of
 * http-01 challenges, and the running nginx's own files (conf, pid, error log, temp folders),
 * so nginx runs without root and without touching the machine's nginx.
 */
export function frontEndPaths(server: ServerDirs) {
  const dir = path.join(server.config_dir, 'front-end');
  return {
    dir,
    conf: path.join(dir, 'nginx.conf'),
    pid: path.join(dir, 'nginx.pid'),
    errorLog: path.join(dir, 'error.log'),
    temp: path.join(dir, 'temp'),
    sitesDir: path.join(server.config_dir, 'nginx'),
    webroot: webrootOf(server),
  };
}

export type FrontEndPaths = ReturnType<typeof frontEndPaths>;

/**
 * The folder served at `/.well-known/acme-challenge/` on every host of the server's front end
 * (known databases and unknown names alike): a token goes to
 * `<webroot>/.well-known/acme-challenge/<token>`.
 */
export function webrootOf(server: ServerDirs): string {
  return path.join(server.config_dir, 'webroot');
}

/** The site file of a database on its server. */
export function siteFile(server: ServerDirs, database: string): string {
  return serverBlockPath(server.config_dir, database);
}
