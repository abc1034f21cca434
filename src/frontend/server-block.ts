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
  /**
   * Real Odoo workers behind the upstream: they pick the database by host (`--db-filter=^%h$`),
   * so the request reaches them with `Host` (and, for --proxy-mode, `X-Forwarded-Host`) set to the
   * database's name whatever name the browser used (platform host or custom domain).
   */
  odooRouting?: boolean;
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
 * Sent on every answer: no MIME sniffing of what customers upload, and no full URLs (which
 * carry record ids and tokens) leaking to other sites. `always`: error pages too.
 */
export const SECURITY_HEADERS = [
  'add_header X-Content-Type-Options nosniff always;',
  'add_header Referrer-Policy strict-origin-when-cross-origin always;',
];

/** `https://$host` plus the port when the TLS listener is not on 443. */
function httpsOrigin(httpsListen: string): string {
  const port = httpsListen.split(':').pop()!;
  return port === '443' ? 'https://$host' : `https://$host:${port}`;
}

/**
 * One site per hosted database: an HTTP `server` block for its platform host (and its custom
 * domains), plus one TLS block per custom domain with an active certificate. Everything
 * interpolated is checked against a strict pattern first: a name that could close a block or
 * start a directive never reaches the file. Odoo sets session_id HttpOnly only (odoo/http.py).
 * With the database's security features on: over HTTPS, HSTS and `proxy_cookie_flags` adding
 * Secure and SameSite=Lax; over HTTP, SameSite=Lax only (a Secure cookie would not come back and
 * HSTS sent in clear text is ignored); and a name that has a certificate is redirected from HTTP
 * to HTTPS, http-01 challenges excepted (renewals).
 */
export function renderServerBlock(block: ServerBlock): string {
  const { database, secure } = block;
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  const tls = block.tlsDomains ?? [];
  const own = block.serverNames ?? [databaseHost(database, block.zone ?? PLATFORM_DOMAIN)];
  own.forEach(hostName);
  tls.forEach((t) => hostName(t.domain));
  const certified = new Set(tls.map((t) => t.domain));
  // With the security features on, the names with a certificate answer HTTP with a redirect only.
  const redirected = secure ? [...certified] : [];
  const plain = [...new Set([...own, ...tls.map((t) => t.domain)])].filter((n) => !redirected.includes(n));
  const listen = checked(block.listen ?? '80', LISTEN, 'a listen address');
  const httpsListen = checked(block.httpsListen ?? '443', LISTEN, 'a listen address');
  const upstream = checked(block.upstream ?? DEFAULT_UPSTREAM, UPSTREAM, 'an upstream');
  const challenge = block.webroot
    ? [`    location /.well-known/acme-challenge/ { root ${safePath(block.webroot, 'webroot')}; }`]
    : [];
  const proxied = (overTls: boolean) => [
    ...challenge,
    '    location / {',
    `        proxy_pass http://${upstream};`,
    ...(block.odooRouting
      ? [
          `        proxy_set_header Host "${database}";`,
          `        proxy_set_header X-Forwarded-Host "${database}";`,
          // An absolute URL Odoo makes from the host it was given goes back to the browser's host.
          `        proxy_redirect "~^https?://${database.replace(/\./g, '\\.')}(?::[0-9]+)?(/.*)?$" "$scheme://$http_host$1";`,
        ]
      : ['        proxy_set_header Host $host;', '        proxy_set_header X-Forwarded-Host $host;']),
    `        proxy_set_header ${DATABASE_HEADER} "${database}";`,
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Real-IP $remote_addr;',
    // An add_header here drops the inherited ones: all of them are said again.
    '        proxy_hide_header X-Content-Type-Options;',
    ...SECURITY_HEADERS.map((h) => `        ${h}`),
    ...(secure && overTls
      ? [
          `        add_header Strict-Transport-Security "${HSTS}" always;`,
          '        proxy_cookie_flags session_id secure samesite=lax;',
        ]
      : secure
        ? ['        # security features on, plain HTTP: no HSTS, no Secure flag (it would not come back)', '        proxy_cookie_flags session_id samesite=lax;']
        : ['        # security features off: no HSTS, session_id as Odoo sets it']),
    '    }',
  ];
  const plainBlock = plain.length
    ? [
        'server {',
        `    listen ${listen};`,
        `    server_name ${plain.join(' ')};`,
        '    client_max_body_size 128m;',
        '    proxy_read_timeout 720s;',
        ...proxied(false),
        '}',
      ]
    : [];
  const redirectBlock = redirected.length
    ? [
        '',
        `# ${database}: security features on, these names have a certificate: HTTP goes to HTTPS.`,
        'server {',
        `    listen ${listen};`,
        `    server_name ${redirected.join(' ')};`,
        ...challenge,
        `    location / { return 308 ${httpsOrigin(httpsListen)}$request_uri; }`,
        '}',
      ]
    : [];
  const tlsBlocks = tls.flatMap((t) => [
    '',
    `# ${t.domain}: custom domain of ${database} with an active certificate.`,
    'server {',
    `    listen ${httpsListen} ssl;`,
    `    server_name ${t.domain};`,
    `    ssl_certificate ${safePath(t.certFile, 'certificate')};`,
    `    ssl_certificate_key ${safePath(t.keyFile, 'key')};`,
    '    client_max_body_size 128m;',
    '    proxy_read_timeout 720s;',
    ...proxied(true),
    '}',
  ]);
  return [
    `# dbtools: front end of the database ${database}. Generated: edits are overwritten.`,
    ...plainBlock,
    ...redirectBlock,
    ...tlsBlocks,
    '',
  ].join('\n');
}

export function serverBlockPath(configDir: string, database: string): string {
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  return path.join(configDir, 'nginx', `${database}.conf`);
}
