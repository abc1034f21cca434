import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { HostingServerRow } from '../metabase/schema.js';
import { ChildProcessFailed, runChild, startChild, type ChildEnv, type ChildOptions, type StartedChild } from './child-process.js';
import { clusterOwner, findPgBin } from './cluster.js';

type PgTool = 'pg_dump' | 'pg_restore' | 'psql';

let pgBin: Promise<string> | undefined;

/** The client binaries (pg_dump, pg_restore, psql) matching the hosting clusters' major version. */
export function pgBinary(tool: PgTool): Promise<string> {
  pgBin ??= findPgBin(process.env.DBTOOLS_PG_BIN || undefined);
  return pgBin.then((bin) => path.join(bin, tool));
}

/** libpq's environment for a hosting server: the password never appears on a command line. */
export function serverEnv(server: HostingServerRow): ChildEnv {
  return {
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: server.superuser,
    PGPASSWORD: server.password ?? undefined,
    PGAPPNAME: 'dbtools',
    PGCONNECT_TIMEOUT: '10',
  };
}

/** A client tool's failure: a caller tells it from its own refusals (an import's). */
export class PgToolFailed extends ChildProcessFailed {}

/** Runs a client tool to its end; `stdin` is piped in, `stdout` receives its output (else discarded). */
async function runTool(
  tool: PgTool,
  args: string[],
  options: ChildOptions,
  io: { stdin?: Readable; stdout?: Writable },
): Promise<void> {
  await runChild(await pgBinary(tool), args, { ...options, ...io, failure: PgToolFailed });
}

/**
 * Runs a client tool as the server's superuser, arguments as an array (no shell). Never on a
 * tenant database: for the maintenance database, and for the tests' and benchmarks' raw
 * baselines (tenants are read as their own role, see runPgToolAsLoader).
 */
export function runPgTool(
  server: HostingServerRow,
  tool: PgTool,
  args: string[],
  io: { stdin?: Readable; stdout?: Writable } = {},
): Promise<void> {
  return runTool(tool, args, { env: serverEnv(server) }, io);
}

/** runPgTool as the cluster's OS user when we are root, from the filesystem root (the benchmarks' raw move). */
export function runPgToolAsClusterUser(
  server: HostingServerRow,
  tool: PgTool,
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
function loginEnv(server: PgAddress, login: LoaderLogin): ChildEnv {
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
function asClusterUser(): ChildOptions {
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
  tool: PgTool,
  args: string[],
  io: { stdin?: Readable; stdout?: Writable } = {},
): Promise<void> {
  return runTool(tool, args, { env: loginEnv(server, login), ...asClusterUser() }, io);
}

/** Starts a tool as `login` whose output the caller streams (pg_dump into a zip entry); `done` settles on exit. */
export async function spawnPgToolAs(
  server: PgAddress,
  login: LoaderLogin,
  tool: PgTool,
  args: string[],
): Promise<StartedChild> {
  return startChild(await pgBinary(tool), args, { env: loginEnv(server, login), ...asClusterUser(), failure: PgToolFailed });
}
