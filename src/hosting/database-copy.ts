import { Transform } from 'node:stream';
import pg from 'pg';
import type { HostingServerRow } from '../metabase/schema.js';
import { runPgToolAsLoader, spawnPgToolAs, type LoaderLogin } from './backup-pg.js';
import { createDatabase } from './cluster-databases.js';
import { quoteDatabaseName } from './database-name.js';

/** Cluster-level SQL on hosting servers: `admin` is a connection to the cluster's `postgres` database. */

export async function databaseSize(admin: pg.ClientBase, name: string): Promise<number> {
  const res = await admin.query<{ size: string }>('SELECT pg_database_size($1::name)::text AS size', [name]);
  return Number(res.rows[0].size);
}

/**
 * The customer can no longer connect: CONNECT is revoked from PUBLIC (the tenant's own role, which
 * the platform reads and writes it as, keeps it as the owner), and the open sessions end (the
 * platform's pooled ones reconnect). Idempotent.
 */
export async function revokeConnect(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`REVOKE CONNECT ON DATABASE ${quoteDatabaseName(name)} FROM PUBLIC`);
  await admin.query(
    `SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
      WHERE a.datname = $1 AND NOT r.rolsuper AND a.pid <> pg_backend_pid()`,
    [name],
  );
}

/**
 * Undoes revokeConnect. Tenants no longer grant CONNECT to PUBLIC (only their role connects):
 * this is for a database that predates its own role, whose customer logins relied on it.
 */
export async function grantConnect(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`GRANT CONNECT ON DATABASE ${quoteDatabaseName(name)} TO PUBLIC`);
}

/** Whether PUBLIC may connect (the default ACL, NULL, grants it). */
export async function publicCanConnect(admin: pg.ClientBase, name: string): Promise<boolean> {
  const res = await admin.query<{ ok: boolean }>(
    `SELECT datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') AS ok
       FROM pg_database WHERE datname = $1`,
    [name],
  );
  return !!res.rows[0]?.ok;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * New sessions on `name` are refused (superusers' too) until reopenToNewSessions. Only the
 * template copy below closes a tenant database this way, and it always reopens it; a crashed
 * copy is reopened by its job's next attempt or its rollback.
 */
export async function closeToNewSessions(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`ALTER DATABASE ${quoteDatabaseName(name)} ALLOW_CONNECTIONS false`);
}

export async function reopenToNewSessions(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`ALTER DATABASE ${quoteDatabaseName(name)} ALLOW_CONNECTIONS true`);
}

/** Reopens `name` if a copy that crashed left it closed; reads before it writes (no commit to wait for). */
export async function reopenIfClosed(admin: pg.ClientBase, name: string): Promise<void> {
  const res = await admin.query<{ open: boolean }>('SELECT datallowconn AS open FROM pg_database WHERE datname = $1', [
    name,
  ]);
  if (res.rows[0] && !res.rows[0].open) await reopenToNewSessions(admin, name);
}

/** Ends the sessions on `name` and waits (polling every few ms) until they are gone, up to `timeoutMs`. */
async function endSessions(admin: pg.ClientBase, name: string, timeoutMs: number): Promise<void> {
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [name],
  );
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const left = await admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() LIMIT 1`,
      [name],
    );
    if (!left.rowCount) return;
    await sleep(2);
  }
}

/**
 * CREATE DATABASE … TEMPLATE copies the files: fast, but PostgreSQL refuses while other sessions
 * use the source (Odoo's _drop_conn ends them by hand). Ending them is not enough on a live
 * database: a client reconnecting before the copy takes its lock makes CREATE DATABASE wait in
 * 100 ms steps, up to 5 s, then fail. So the source is first closed to new sessions, its
 * sessions are ended and awaited, the copy runs, and it reopens. `whileClosed` runs alongside
 * the copy (the filestore: nothing can add an attachment while the database is closed).
 * Returns how long the source refused sessions.
 */
export async function copyDatabaseByTemplate<T>(
  admin: pg.ClientBase,
  source: string,
  target: string,
  owner: string,
  whileClosed: () => Promise<T>,
): Promise<{ unavailableMs: number; whileClosed: T }> {
  // FILE_COPY (PostgreSQL 15+) copies the files and checkpoints instead of WAL-logging every
  // block (WAL_LOG, the default): several times faster on 1 GB with fsync on, and that time
  // is the customer's downtime.
  const version = await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  const strategy = Number(version.rows[0].v) >= 150000 ? 'FILE_COPY' : undefined;
  // FILE_COPY starts with a checkpoint that writes out the source's dirty pages; taking one
  // while the source is still open leaves that one little to do during the downtime.
  await admin.query('CHECKPOINT');
  const started = performance.now();
  await closeToNewSessions(admin, source);
  let reopened = false;
  try {
    await endSessions(admin, source, 5_000);
    // Settled below, in both outcomes of the copy.
    const side = whileClosed().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await createDatabase(admin, target, { template: source, owner, strategy });
        break;
      } catch (e) {
        // 55006: a session outlived the wait (a backend slow to exit): end it again.
        if ((e as { code?: string }).code !== '55006' || attempt >= 5) {
          await side;
          throw e;
        }
        await endSessions(admin, source, 5_000);
      }
    }
    // Kept closed until the filestore copy is done too: Odoo's file garbage collector must not
    // remove, from a reopened source, a file the copy's snapshot still refers to.
    const outcome = await side;
    await reopenToNewSessions(admin, source);
    reopened = true;
    if (!outcome.ok) throw outcome.error;
    return { unavailableMs: Math.round(performance.now() - started), whileClosed: outcome.value };
  } finally {
    if (!reopened) await reopenToNewSessions(admin, source).catch(() => undefined);
  }
}

/**
 * An online copy: pg_dump of the source (as the source's own role) piped into
 * pg_restore of the target as the job's loader role (the dump replays the customer's object
 * definitions, so it runs with the customer's privilege only). The source stays available;
 * slower than a file copy. `onBytes` reports how much of the dump went through.
 */
export async function copyDatabaseByDump(
  server: HostingServerRow,
  source: LoaderLogin,
  target: LoaderLogin,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  const dump = await spawnPgToolAs(server, source, 'pg_dump', ['--format=custom', '--compress=0']);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      onBytes?.(bytes);
      cb(null, chunk);
    },
  });
  try {
    await Promise.all([
      runPgToolAsLoader(server, target, 'pg_restore', ['--no-owner', '--no-acl', '--exit-on-error', '--dbname', target.database], {
        stdin: dump.stdout.pipe(counter),
      }),
      dump.done,
    ]);
  } catch (e) {
    dump.kill();
    throw e;
  }
}

/**
 * Nothing the customer does can change the database any more: CONNECT revoked (their sessions
 * end, see revokeConnect), new sessions read-only by default, whoever else was connected ended.
 * The platform's superuser still connects and reads (pg_dump). Idempotent.
 */
export async function freezeDatabase(admin: pg.ClientBase, name: string): Promise<void> {
  await revokeConnect(admin, name);
  await admin.query(`ALTER DATABASE ${quoteDatabaseName(name)} SET default_transaction_read_only = on`);
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [name],
  );
}

/** Undoes freezeDatabase; CONNECT comes back only when PUBLIC had it before (not for a dropped database). */
export async function thawDatabase(admin: pg.ClientBase, name: string, publicConnect: boolean): Promise<void> {
  await admin.query(`ALTER DATABASE ${quoteDatabaseName(name)} RESET default_transaction_read_only`);
  if (publicConnect) await grantConnect(admin, name);
}

/** Bytes of the connected database's table data (heap and TOAST, no index): about what a dump of it writes. */
export async function tableDataSize(client: pg.ClientBase): Promise<number> {
  const res = await client.query<{ size: string }>(
    `SELECT coalesce(sum(pg_table_size(c.oid)), 0)::text AS size
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  return Number(res.rows[0].size);
}
