import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HostingServerRow } from '../metabase/schema.js';
import { clusterOwner, findPgBin } from './cluster.js';

let pgBin: Promise<string> | undefined;

/** The client binaries (pg_dump, pg_restore, psql) matching the hosting clusters' major version. */
export function pgBinary(tool: 'pg_dump' | 'pg_restore' | 'psql'): Promise<string> {
  pgBin ??= findPgBin(process.env.DBTOOLS_PG_BIN || undefined);
  return pgBin.then((bin) => path.join(bin, tool));
}

/** libpq's environment for a hosting server: the password never appears on a command line. */
export function serverEnv(server: HostingServerRow): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: server.superuser,
    PGAPPNAME: 'dbtools',
    PGCONNECT_TIMEOUT: '10',
  };
  if (server.password) env.PGPASSWORD = server.password;
  else delete env.PGPASSWORD;
  return env;
}

export class PgToolFailed extends Error {}

/** Collects the end of stderr, for an error message an agent can act on. */
function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-2000);
  });
  return () => tail.trim();
}

function exited(child: ChildProcess, tool: string, tail: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new PgToolFailed(`${tool} failed (${signal ?? `exit ${code}`}): ${tail() || 'no message'}`));
    });
  });
}

/** Runs a client tool to its end; `stdin` is piped in, `stdout` receives its output (else discarded). */
async function runTool(
  tool: 'pg_dump' | 'pg_restore' | 'psql',
  args: string[],
  options: SpawnOptions,
  io: { stdin?: Readable; stdout?: Writable },
): Promise<void> {
  const child = spawn(await pgBinary(tool), args, {
    ...options,
    stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const tail = stderrTail(child);
  const done = exited(child, tool, tail);
  const streams: Promise<void>[] = [];
  if (io.stdin && child.stdin) streams.push(pipeline(io.stdin, child.stdin));
  if (io.stdout && child.stdout) streams.push(pipeline(child.stdout, io.stdout));
  try {
    await Promise.all([done, ...streams]);
  } catch (e) {
    child.kill('SIGKILL');
    // A tool that stops reading (psql after an error) breaks our pipe: its own message says why.
    await done;
    throw e;
  }
}

/**
 * Runs a client tool as the server's superuser, arguments as an array (no shell). Never on a
 * tenant database: for the maintenance database, and for the tests' and benchmarks' raw
 * baselines (tenants are read as their own role, see runPgToolAsLoader).
 */
export function runPgTool(
  server: HostingServerRow,
  tool: 'pg_dump' | 'pg_restore' | 'psql',
  args: string[],
  io: { stdin?: Readable; stdout?: Writable } = {},
): Promise<void> {
  return runTool(tool, args, { env: serverEnv(server) }, io);
}

/** runPgTool as the cluster's OS user when we are root, from the filesystem root (the benchmarks' raw move). */
export function runPgToolAsClusterUser(
  server: HostingServerRow,
  tool: 'pg_dump' | 'pg_restore' | 'psql',
  args: string[],
): Promise<void> {
  return runTool(tool, args, { env: serverEnv(server), ...asClusterUser() }, {});
}

/** Where a client tool connects: a host name or a unix socket folder, and a port. */
export type PgAddress = Pick<HostingServerRow, 'host' | 'port'>;

/**
 * A login that owns one database only (a tenant's own role, or a load's loader role): the only
 * identities the client tools run as on tenant databases, customer SQL included.
 */
export interface LoaderLogin {
  role: string;
  password: string;
  database: string;
}

/** libpq's environment for `login`, and nothing else (no superuser password, no platform secret). */
function loginEnv(server: PgAddress, login: LoaderLogin): NodeJS.ProcessEnv {
  return {
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: login.role,
    PGPASSWORD: login.password,
    PGDATABASE: login.database,
    PGAPPNAME: 'dbtools',
    PGCONNECT_TIMEOUT: '10',
  };
}

/** The unprivileged OS user the tools run as when we are root (the cluster's own), from the filesystem root. */
function asClusterUser(): SpawnOptions {
  const owner = clusterOwner();
  return { cwd: '/', ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) };
}

/**
 * Runs a client tool on a tenant database (customer-made SQL included) logged in as `login`, with
 * an environment holding nothing but that login, as an unprivileged OS user when we are root:
 * what it writes (pg_dump's directory format, 0700) is readable by the tools run after it.
 */
export function runPgToolAsLoader(
  server: PgAddress,
  login: LoaderLogin,
  tool: 'pg_restore' | 'psql' | 'pg_dump',
  args: string[],
  io: { stdin?: Readable; stdout?: Writable } = {},
): Promise<void> {
  return runTool(tool, args, { env: loginEnv(server, login), ...asClusterUser() }, io);
}

/** Starts a tool as `login` whose output the caller streams (pg_dump into a zip entry); `done` settles on exit. */
export async function spawnPgToolAs(
  server: PgAddress,
  login: LoaderLogin,
  tool: 'pg_dump' | 'pg_restore' | 'psql',
  args: string[],
): Promise<{ stdout: Readable; done: Promise<void>; kill(): void }> {
  const child = spawn(await pgBinary(tool), args, {
    env: loginEnv(server, login),
    ...asClusterUser(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = stderrTail(child);
  const done = exited(child, tool, tail);
  done.catch(() => undefined);
  return { stdout: child.stdout!, done, kill: () => child.kill('SIGKILL') };
}
