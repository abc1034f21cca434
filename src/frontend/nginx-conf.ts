import path from 'node:path';
import type { FrontEnd } from '../metabase/repositories/front-ends.js';
import { odooUpstreamName } from '../odoo/serving.js';
import { ODOO_SERIES } from '../tenant/odoo-version.js';
import type { FrontEndPaths } from './paths.js';
import { DEFAULT_UPSTREAM, safePath, SECURITY_HEADERS, UnsafeFrontEndValue } from './server-block.js';

/** Where the Odoo workers of a server we do not run listen: Odoo's default port. */
export const ODOO_DEFAULT_BACKEND = '127.0.0.1:8069';
const SITES_MARK = '# dbtools: sites';
const BACKEND = /^[0-9.]+:[0-9]{1,5}$/;

export function listenOf(frontEnd: FrontEnd): { http: string; https: string } {
  return { http: `${frontEnd.address}:${frontEnd.httpPort}`, https: `${frontEnd.address}:${frontEnd.httpsPort}` };
}

/**
 * A hosting server's nginx.conf. Every path nginx writes is under the front end's folder and
 * no `user` directive is given, so the master runs as whoever starts it (never root here). The
 * default servers answer http-01 challenges for names that have no site yet (a custom domain
 * before its certificate) and refuse TLS handshakes for unknown names.
 */
export function renderFrontEndConf(opts: {
  serverName: string;
  paths: FrontEndPaths;
  frontEnd: FrontEnd;
  backend: string;
  /** Upstreams of Odoo workers (name → host:port); every series' name is defined, the placeholder's backend standing in. */
  odooUpstreams?: { name: string; address: string }[];
}): string {
  const { paths } = opts;
  if (!BACKEND.test(opts.backend))
    throw new UnsafeFrontEndValue(`"${opts.backend}" is not a backend address`);
  for (const u of opts.odooUpstreams ?? []) {
    if (!BACKEND.test(u.address)) throw new UnsafeFrontEndValue(`"${u.address}" is not a backend address`);
  }
  // Sites name their series' upstream whichever process writes them: each is always defined.
  const upstreams = ODOO_SERIES.map((series) => {
    const name = odooUpstreamName(series);
    return { name, address: opts.odooUpstreams?.find((u) => u.name === name)?.address ?? opts.backend };
  });
  const listen = listenOf(opts.frontEnd);
  const q = (p: string) => safePath(p, 'front end');
  return [
    `# dbtools: front end of the hosting server ${JSON.stringify(opts.serverName)}. Generated: edits are overwritten.`,
    'worker_processes 1;',
    `pid ${q(paths.pid)};`,
    `error_log ${q(paths.errorLog)} notice;`,
    'events { worker_connections 1024; }',
    'http {',
    '    access_log off;',
    // No version in the Server header or error pages: it only helps whoever looks for a known hole.
    '    server_tokens off;',
    // nginx 1.22 leaves TLS 1.3 off unless told, and still offers 1.0 and 1.1.
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    // Inherited by every server and location that sets no header of its own (the sites repeat them).
    ...SECURITY_HEADERS.map((h) => `    ${h}`),
    '    default_type application/octet-stream;',
    // Hashed host names reach 63 characters plus the zone: more than the default bucket holds.
    '    server_names_hash_bucket_size 128;',
    '    server_names_hash_max_size 65536;',
    `    client_body_temp_path ${q(path.join(paths.temp, 'client_body'))};`,
    `    proxy_temp_path ${q(path.join(paths.temp, 'proxy'))};`,
    `    fastcgi_temp_path ${q(path.join(paths.temp, 'fastcgi'))};`,
    `    uwsgi_temp_path ${q(path.join(paths.temp, 'uwsgi'))};`,
    `    scgi_temp_path ${q(path.join(paths.temp, 'scgi'))};`,
    `    upstream ${DEFAULT_UPSTREAM} { server ${opts.backend}; }`,
    ...upstreams.map((u) => `    upstream ${u.name} { server ${u.address}; }`),
    '    server {',
    `        listen ${listen.http} default_server;`,
    '        server_name _;',
    `        location /.well-known/acme-challenge/ { root ${q(paths.webroot)}; }`,
    '        location / { return 404; }',
    '    }',
    '    server {',
    `        listen ${listen.https} ssl default_server;`,
    '        ssl_reject_handshake on;',
    '    }',
    `    include ${q(paths.sitesDir).slice(0, -1)}/*.conf"; ${SITES_MARK}`,
    '}',
    '',
  ].join('\n');
}

/** The same nginx.conf including exactly `files` instead of every site: what `nginx -t` checks before a change lands. */
export function withSites(conf: string, files: string[]): string {
  const lines = conf.split('\n');
  const at = lines.findIndex((l) => l.endsWith(SITES_MARK));
  if (at < 0) throw new Error('the front end nginx.conf has no sites line');
  lines.splice(at, 1, ...files.map((f) => `    include ${safePath(f, 'site')};`));
  return lines.join('\n');
}
