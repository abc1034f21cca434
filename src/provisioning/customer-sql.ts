import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import pg from 'pg';
import type { App } from '../app.js';
import { runPgToolAsLoader, type LoaderLogin, type PgAddress } from '../hosting/backup-pg.js';
import { createLoaderRole, createOdooExtensions, dropRoleIfExists } from '../hosting/restore-cluster.js';
import { createDatabase } from '../hosting/cluster-databases.js';
import { adoptDatabase } from './adopt.js';
import { tenantConnectionConfig } from '../hosting/tenant-role.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { inTransaction } from '../tenant/transaction.js';
import { restrictMetaCommands } from './restrict-stream.js';
import { clearScratchDatabase, dropScratchDatabase, scratchName } from './scratch.js';

/**
 * Customer SQL (an uploaded dump.sql, a backup made from a customer's database) never runs as
 * the cluster's superuser. A job loads it into a scratch database owned by a role of its own
 * (no superuser, no CREATEROLE/CREATEDB, a random password that lives only in the tool's
 * environment for the run), then hands the database to the role the platform keeps its tenants
 * under (the server's superuser) and drops the role. Every step starts by removing what a
 * crashed attempt left, so a retry or a rollback never finds a stray role.
 */
export function loaderRole(jobId: number): string {
  return scratchName('loader', jobId);
}

/** A fresh scratch database owned by a fresh loader role, with the extensions Odoo's dumps expect. */
export async function prepareLoad(
  app: App,
  server: HostingServerRow,
  scratch: string,
  jobId: number,
): Promise<LoaderLogin> {
  await clearScratchDatabase(app, server.id, scratch);
  return createLoadTarget(app, server, scratch, jobId, { odooExtensions: true });
}

/**
 * A cluster a load runs on, reached as its superuser: a hosting server, or the upgrade
 * platform's own cluster (src/upgrade-platform), which loads its customers' dumps the same way.
 */
export interface LoadCluster {
  address: PgAddress;
  withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T>;
}

export function hostingLoadCluster(app: App, server: HostingServerRow): LoadCluster {
  return {
    address: server,
    withAdmin: (fn) => app.tenants.withCluster(server.id, (admin) => fn(admin)),
  };
}

/**
 * A fresh loader role of this job and an empty `database` it owns (the caller made sure the
 * name is free and its own). With `odooExtensions`, pg_trgm and unaccent are created first.
 */
export function createLoadTarget(
  app: App,
  server: HostingServerRow,
  database: string,
  jobId: number,
  opts: { odooExtensions: boolean },
): Promise<LoaderLogin> {
  return createLoadTargetOn(hostingLoadCluster(app, server), database, loaderRole(jobId), opts);
}

/** `createLoadTarget` on any cluster, for a role named by the caller (dropped first if a crash left it). */
export async function createLoadTargetOn(
  cluster: LoadCluster,
  database: string,
  role: string,
  opts: { odooExtensions: boolean },
): Promise<LoaderLogin> {
  const login: LoaderLogin = {
    role,
    password: randomBytes(24).toString('base64url'),
    database,
  };
  await cluster.withAdmin(async (admin) => {
    await dropRoleIfExists(admin, login.role);
    await createLoaderRole(admin, login.role, login.password);
    await createDatabase(admin, database, { owner: login.role });
  });
  if (!opts.odooExtensions) return login;
  const client = new pg.Client(tenantConnectionConfig(cluster.address, login));
  await client.connect();
  try {
    await createOdooExtensions(client);
  } finally {
    await client.end();
  }
  return login;
}

/** Runs a plain SQL dump with psql as the loader, meta-commands refused. */
export function loadPlainDump(server: HostingServerRow, login: LoaderLogin, sql: Readable): Promise<void> {
  const key = randomBytes(24).toString('hex');
  return runPgToolAsLoader(server, login, 'psql', ['--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1'], {
    stdin: sql.pipe(restrictMetaCommands(key)),
  });
}

/** Restores a custom-format archive with pg_restore as the loader (its objects become the loader's). */
export function loadArchive(server: PgAddress, login: LoaderLogin, file: string): Promise<void> {
  return runPgToolAsLoader(server, login, 'pg_restore', [
    '--no-owner',
    '--jobs=2',
    '--exit-on-error',
    '--dbname',
    login.database,
    file,
  ]);
}

/**
 * The loaded database and all it holds go to the role of the tenant it becomes (`tenant`, the
 * name it will be published under); the loader role is dropped. Each part finds what a crashed
 * run did, so a rerun finishes it.
 */
export async function finishLoad(app: App, server: HostingServerRow, login: LoaderLogin, tenant: string): Promise<void> {
  await adoptDatabase(app, server, {
    database: login.database,
    tenant,
    from: login.role,
    // What the customer's SQL granted to the loader, which is about to go.
    then: async (client) => {
      await client.query(`DROP OWNED BY ${pg.escapeIdentifier(login.role)}`);
    },
  });
  await app.tenants.withCluster(server.id, (admin) => dropRoleIfExists(admin, login.role));
}

/** Drops what a load of this job left (its scratch database, then its role). Idempotent. */
export async function discardLoad(app: App, server: HostingServerRow, scratch: string, jobId: number): Promise<void> {
  await dropScratchDatabase(app, server.id, scratch);
  await dropLoaderRole(app, server.id, jobId);
}

/** Drops the job's loader role once the database it owned is gone. Idempotent. */
export async function dropLoaderRole(app: App, serverId: number, jobId: number): Promise<void> {
  await app.tenants.withCluster(serverId, (admin) => dropRoleIfExists(admin, loaderRole(jobId)));
}

/**
 * Runs `fn` in one transaction on the loaded database, connected as the loader role. What we
 * do to a database the customer's SQL just built (its new identity, its neutralization) runs
 * here, before the handover: a trigger, rule or view the dump planted then fires with the
 * customer's privilege, not the superuser's.
 */
export function asLoader<T>(
  app: App,
  server: HostingServerRow,
  login: LoaderLogin,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  return asLoaderOn(hostingLoadCluster(app, server), login, fn);
}

/** `asLoader` on any cluster. */
export async function asLoaderOn<T>(
  cluster: LoadCluster,
  login: LoaderLogin,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(tenantConnectionConfig(cluster.address, login));
  client.on('error', () => undefined); // surfaced by the pending query instead
  await client.connect();
  try {
    return await inTransaction(client, () => fn(client));
  } finally {
    await client.end();
  }
}

/**
 * Restores a backup (made from a customer's database, so customer-made SQL) into a fresh
 * scratch database, as the job's loader role, then runs `beforeHandover` as that role; on
 * return the database belongs to the tenant owner and the role is gone. A rerun after a crash
 * starts over.
 */
export async function loadBackupIntoScratch(
  app: App,
  server: HostingServerRow,
  backupFile: string,
  scratch: string,
  jobId: number,
  tenant: string,
  beforeHandover?: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const login = await prepareLoad(app, server, scratch, jobId);
  await loadArchive(server, login, backupFile);
  if (beforeHandover) await asLoader(app, server, login, beforeHandover);
  await finishLoad(app, server, login, tenant);
}
