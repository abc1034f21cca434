/**
 * The front end of each hosting server: nginx in front of its Odoo workers.
 *
 * On the embedded default the platform runs Debian's nginx per hosting server (startFrontEnds,
 * from main.ts and the test setup): as a non-root user (`postgres` when we are root), with its
 * conf, pid, error log and temp folders under `<config_dir>/front-end/`, each server on its own
 * loopback address (127.0.0.1, 127.0.0.2, ...) and every server on the same (http, https) port
 * pair, picked free at the first start and kept in the metabase (hosting_server.front_*). An
 * ACME CA can then reach every front end on one http port, and a DNS A record says which
 * server a name lives on. A placeholder backend in the starting process stands in for Odoo and
 * answers with the database's name. Without nginx installed the platform starts anyway.
 *
 * The API other parts use (keep it stable):
 * - `frontEndOf(server)` → `{address, httpPort, httpsPort} | null`: where the server's front end
 *   listens (null: none assigned yet; writing its sites throws FrontEndNotRun, never port 80).
 * - `webrootOf(server)`: the folder served at `/.well-known/acme-challenge/` for every name on
 *   the server's front end, known or not: write a token to
 *   `<webroot>/.well-known/acme-challenge/<token>` (readable by others: 0644).
 * - `writeSite(app, server, database, {secure, tlsDomains: [{domain, certFile, keyFile}]})`:
 *   the database's site: an HTTP block for `<database>.<zone>` and its TLS domains, and one TLS
 *   block per domain (certFile PEM chain, keyFile PEM key; the key is made 0600 and handed to
 *   nginx's user). Written aside, checked with `nginx -t`, renamed, nginx reloaded; answers once
 *   the new configuration serves. A refused check throws NginxConfigError and changes nothing.
 * - `removeSite(app, server, database)`: the site goes (file and nginx), same steps.
 * - `applySite(app, database)`: re-renders the site from the metabase: `secure` and
 *   `activeTlsDomains(app, database)` (tls-domains.ts: the custom-domains side answers it).
 * - `siteFile(server, database)`: where the site's file is.
 * Changes to one server's files are serialised across processes (a metabase advisory lock).
 */
export { frontEndOf, type FrontEnd } from '../metabase/repositories/front-ends.js';
export { databaseHost, isHostName } from './host-name.js';
export { startFrontEnd, startFrontEnds, type RunningFrontEnd } from './front-end.js';
export { FrontEndNotRun, NGINX_BIN, NginxConfigError, NginxMissing, nginxInstalled, nginxUser } from './nginx.js';
export { frontEndPaths, siteFile, webrootOf } from './paths.js';
export { HSTS, PLATFORM_DOMAIN, renderServerBlock, type TlsDomain } from './server-block.js';
export {
  applySite,
  refreshSite,
  removeSite,
  writeSite,
  writeSites,
  type Site,
  type SiteChange,
} from './sites.js';
export { activeTlsDomains } from './tls-domains.js';
