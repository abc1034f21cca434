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
 * Runs a PostgreSQL client tool against a hosting server as its superuser, arguments as an
 * array (no shell). Only for SQL the platform wrote (pg_dump of a tenant, our own scripts).
 */
export function runPgTool(
  server: HostingServerRow,
  tool: 'pg_dump' | 'pg_restore' | 'psql',
  args: string[],
  io: { stdin?: Readable; stdout?: Writable } = {},
): Promise<void> {
  return runTool(tool, args, { env: serverEnv(server) }, io);
}

/** Where a client tool connects: a host name or a unix socket folder, and a port. */
export type PgAddress = Pick<HostingServerRow, 'host' | 'port'>;

/** A login that owns one database only: the only identity customer SQL ever runs as. */
export interface LoaderLogin {
  role: string;
  password: string;
  database: string;
}

/**
 * Runs a client tool on customer-made SQL: logged in as the loader role, with an environment
 * holding nothing but that login (no superuser password, no platform secret), as an
 * unprivileged OS user when we are root (the cluster's own user), from the filesystem root.
 */
export function runPgToolAsLoader(
  server: PgAddress,
  login: LoaderLogin,
  tool: 'pg_restore' | 'psql' | 'pg_dump',
  args: string[],
  io: { stdin?: Readable } = {},
): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: login.role,
    PGPASSWORD: login.password,
    PGDATABASE: login.database,
  };
  const owner = clusterOwner();
  return runTool(tool, args, { env, cwd: '/', ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) }, io);
}

/** Starts a tool whose output the caller streams (pg_dump into a zip entry); `done` settles on exit. */
export async function spawnPgTool(
  server: HostingServerRow,
  tool: 'pg_dump' | 'pg_restore' | 'psql',
  args: string[],
): Promise<{ stdout: Readable; done: Promise<void>; kill(): void }> {
  const child = spawn(await pgBinary(tool), args, {
    env: serverEnv(server),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = stderrTail(child);
  const done = exited(child, tool, tail);
  done.catch(() => undefined);
  return { stdout: child.stdout!, done, kill: () => child.kill('SIGKILL') };
}
