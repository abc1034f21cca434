import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isValidDatabaseName, InvalidDatabaseName } from '../hosting/database-name.js';
import { databaseHost, isHostName } from './host-name.js';

const run = promisify(execFile);

/** Debian's nginx. */
export const NGINX_BIN = '/usr/sbin/nginx';
/** The upstream the hosting server's nginx.conf defines for its Odoo workers. */
export const DEFAULT_UPSTREAM = 'odoo';
/** The platform zone when none is configured (DBTOOLS_PLATFORM_ZONE): databases answer at `databaseHost(name, zone)`. */
export const PLATFORM_DOMAIN = 'dbtools.test';
export const HSTS = 'max-age=31536000';

export interface ServerBlock {
  database: string;
  /** The `secure` flag of the database: HSTS, and Secure + SameSite=Lax on Odoo's session cookie. */
  secure: boolean;
  /** `listen` value; the hosting server's front end listens on 80 behind its TLS terminator. */
  listen?: string;
  /** An `upstream` name defined by the including nginx.conf, or host:port. */
  upstream?: string;
  serverNames?: string[];
  /** The platform zone the database's own host lives under (default PLATFORM_DOMAIN). */
  zone?: string;
}

const LISTEN = /^([0-9.]+:)?[0-9]{1,5}$/;
const UPSTREAM = /^[A-Za-z0-9_.-]+(:[0-9]{1,5})?$/;

/**
 * One nginx `server` block per hosted database. Everything interpolated is checked against a
 * strict pattern first: a name that could close a block or start a directive never reaches
 * the file. Odoo sets session_id HttpOnly only (odoo/http.py); `proxy_cookie_flags` adds
 * Secure and SameSite=Lax on its way out when the database is secure.
 */
export function renderServerBlock(block: ServerBlock): string {
  const { database, secure } = block;
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  const names = block.serverNames ?? [databaseHost(database, block.zone ?? PLATFORM_DOMAIN)];
  for (const n of names) if (!isHostName(n)) throw new Error(`"${n}" is not a host name nginx may serve`);
  const listen = block.listen ?? '80';
  if (!LISTEN.test(listen)) throw new Error(`"${listen}" is not a listen address`);
  const upstream = block.upstream ?? DEFAULT_UPSTREAM;
  if (!UPSTREAM.test(upstream)) throw new Error(`"${upstream}" is not an upstream`);
  const security = secure
    ? [
        `        add_header Strict-Transport-Security "${HSTS}" always;`,
        '        proxy_cookie_flags session_id secure samesite=lax;',
      ]
    : ['        # security features off: no HSTS, session_id as Odoo sets it'];
  return [
    `# dbtools: front end of the database ${database}. Generated: edits are overwritten.`,
    'server {',
    `    listen ${listen};`,
    `    server_name ${names.join(' ')};`,
    '    client_max_body_size 128m;',
    '    proxy_read_timeout 720s;',
    '    location / {',
    `        proxy_pass http://${upstream};`,
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Real-IP $remote_addr;',
    ...security,
    '    }',
    '}',
    '',
  ].join('\n');
}

export function serverBlockPath(configDir: string, database: string): string {
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  return path.join(configDir, 'nginx', `${database}.conf`);
}

/**
 * A minimal nginx.conf that includes `files` inside `http`, with every path nginx writes under
 * `dir`: it runs without root and without touching the host's nginx.
 */
export function testNginxConf(dir: string, files: string[], upstreamServer = '127.0.0.1:8069'): string {
  const p = (name: string) => path.join(dir, name);
  return [
    'worker_processes 1;',
    `pid ${p('nginx.pid')};`,
    `error_log ${p('error.log')} warn;`,
    'events { worker_connections 64; }',
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${p('client_body')};`,
    `    proxy_temp_path ${p('proxy')};`,
    `    fastcgi_temp_path ${p('fastcgi')};`,
    `    uwsgi_temp_path ${p('uwsgi')};`,
    `    scgi_temp_path ${p('scgi')};`,
    `    upstream ${DEFAULT_UPSTREAM} { server ${upstreamServer}; }`,
    ...files.map((f) => `    include ${f};`),
    '}',
    '',
  ].join('\n');
}

export class NginxConfigError extends Error {}

/** `nginx -t` on a test nginx.conf that includes the given server blocks. */
export async function checkServerBlocks(files: string[]): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dbtools-nginx-t-'));
  try {
    const conf = path.join(dir, 'nginx.conf');
    await writeFile(conf, testNginxConf(dir, files));
    await run(NGINX_BIN, ['-t', '-q', '-e', path.join(dir, 'error.log'), '-p', dir + '/', '-c', conf], {
      timeout: 15_000,
    }).catch((e: { stderr?: string; message: string }) => {
      throw new NginxConfigError(`nginx -t refused the configuration: ${(e.stderr || e.message).trim()}`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes a database's server block where the hosting server's nginx includes them, only once
 * `nginx -t` accepted it: a bad block never replaces a good one (write aside, test, rename).
 */
export async function writeServerBlock(configDir: string, block: ServerBlock): Promise<string> {
  const file = serverBlockPath(configDir, block.database);
  await mkdir(path.dirname(file), { recursive: true });
  const pending = `${file}.${randomBytes(6).toString('hex')}.pending`;
  try {
    await writeFile(pending, renderServerBlock(block));
    await checkServerBlocks([pending]);
    await rename(pending, file);
  } finally {
    await rm(pending, { force: true });
  }
  return file;
}
