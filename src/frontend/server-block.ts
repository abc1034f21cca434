import path from 'node:path';
import { isValidDatabaseName, InvalidDatabaseName } from '../hosting/database-name.js';
import { databaseHost, isHostName } from './host-name.js';

/** The upstream every front end's nginx.conf defines for its Odoo workers (see nginx-conf.ts). */
export const DEFAULT_UPSTREAM = 'odoo';
/** The platform zone when none is configured (DBTOOLS_PLATFORM_ZONE): databases answer at `databaseHost(name, zone)`. */
export const PLATFORM_DOMAIN = 'dbtools.test';
export const HSTS = 'max-age=31536000';
/** The header that tells the Odoo workers (and the placeholder backend) which database a request is for. */
export const DATABASE_HEADER = 'X-Odoo-Database';

/** A custom domain with an active certificate: served over TLS with its own files. */
export interface TlsDomain {
  domain: string;
  /** Certificate chain (PEM), readable by the front end's nginx user. */
  certFile: string;
  /** Private key (PEM), mode 0600, owned by the front end's nginx user. */
  keyFile: string;
}

export interface ServerBlock {
  database: string;
  /** The `secure` flag of the database: HSTS, and Secure + SameSite=Lax on Odoo's session cookie. */
  secure: boolean;
  /** `listen` value for plain HTTP (`address:port` or a port); default 80. */
  listen?: string;
  /** `listen` value for TLS, used by the custom domains' blocks; default 443. */
  httpsListen?: string;
  /** An `upstream` name defined by the including nginx.conf, or host:port. */
  upstream?: string;
  serverNames?: string[];
  /** The platform zone the database's own host lives under (default PLATFORM_DOMAIN). */
  zone?: string;
  /** Folder served at /.well-known/acme-challenge/ (http-01 challenges). */
  webroot?: string;
  /** Custom domains with an active certificate: each gets a TLS server block. */
  tlsDomains?: TlsDomain[];
}

const LISTEN = /^([0-9.]+:)?[0-9]{1,5}$/;
const UPSTREAM = /^[A-Za-z0-9_.-]+(:[0-9]{1,5})?$/;
/** Absolute paths nginx may read: no quote, backslash, `$` (variables), `;`, braces or control characters. */
const SAFE_PATH = /^\/[A-Za-z0-9._@+=,:~/ -]*$/;

export class UnsafeFrontEndValue extends Error {}

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new UnsafeFrontEndValue(`"${value.slice(0, 200)}" is not ${what}`);
  return value;
}

/** A path quoted for nginx, refused unless it is absolute, normalized and free of anything nginx would interpret. */
export function safePath(value: string, what: string): string {
  checked(value, SAFE_PATH, `a path nginx may read (${what})`);
  if (path.normalize(value) !== value)
    throw new UnsafeFrontEndValue(`"${value.slice(0, 200)}" is not a normalized path (${what})`);
  return `"${value}"`;
}

function hostName(name: string): string {
  if (!isHostName(name))
    throw new UnsafeFrontEndValue(`"${name.slice(0, 200)}" is not a host name nginx may serve`);
  return name;
}

/**
 * One site per hosted database: an HTTP `server` block for its platform host (and its custom
 * domains), plus one TLS block per custom domain with an active certificate. Everything
 * interpolated is checked against a strict pattern first: a name that could close a block or
 * start a directive never reaches the file. Odoo sets session_id HttpOnly only (odoo/http.py);
 * `proxy_cookie_flags` adds Secure and SameSite=Lax on its way out when the database is secure.
 */
export function renderServerBlock(block: ServerBlock): string {
  const { database, secure } = block;
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  const tls = block.tlsDomains ?? [];
  const own = block.serverNames ?? [databaseHost(database, block.zone ?? PLATFORM_DOMAIN)];
  const names = [...new Set([...own, ...tls.map((t) => t.domain)])].map(hostName);
  const listen = checked(block.listen ?? '80', LISTEN, 'a listen address');
  const httpsListen = checked(block.httpsListen ?? '443', LISTEN, 'a listen address');
  const upstream = checked(block.upstream ?? DEFAULT_UPSTREAM, UPSTREAM, 'an upstream');
  const challenge = block.webroot
    ? [`    location /.well-known/acme-challenge/ { root ${safePath(block.webroot, 'webroot')}; }`]
    : [];
  const proxied = [
    ...challenge,
    '    location / {',
    `        proxy_pass http://${upstream};`,
    '        proxy_set_header Host $host;',
    `        proxy_set_header ${DATABASE_HEADER} "${database}";`,
    '        proxy_set_header X-Forwarded-Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Real-IP $remote_addr;',
    ...(secure
      ? [
          `        add_header Strict-Transport-Security "${HSTS}" always;`,
          '        proxy_cookie_flags session_id secure samesite=lax;',
        ]
      : ['        # security features off: no HSTS, session_id as Odoo sets it']),
    '    }',
  ];
  const tlsBlocks = tls.flatMap((t) => [
    '',
    `# ${hostName(t.domain)}: custom domain of ${database} with an active certificate.`,
    'server {',
    `    listen ${httpsListen} ssl;`,
    `    server_name ${t.domain};`,
    `    ssl_certificate ${safePath(t.certFile, 'certificate')};`,
    `    ssl_certificate_key ${safePath(t.keyFile, 'key')};`,
    '    client_max_body_size 128m;',
    '    proxy_read_timeout 720s;',
    ...proxied,
    '}',
  ]);
  return [
    `# dbtools: front end of the database ${database}. Generated: edits are overwritten.`,
    'server {',
    `    listen ${listen};`,
    `    server_name ${names.join(' ')};`,
    '    client_max_body_size 128m;',
    '    proxy_read_timeout 720s;',
    ...proxied,
    '}',
    ...tlsBlocks,
    '',
  ].join('\n');
}

export function serverBlockPath(configDir: string, database: string): string {
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  return path.join(configDir, 'nginx', `${database}.conf`);
}
