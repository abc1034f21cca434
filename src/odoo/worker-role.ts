import { createHmac } from 'node:crypto';
import pg from 'pg';
import { databaseExists } from '../hosting/cluster-databases.js';
import { quoteDatabaseName } from '../hosting/database-name.js';
import { tenantRoleName } from '../hosting/tenant-role.js';

/**
 * The PostgreSQL role a hosting server's Odoo workers log in as. Odoo opens every database of a
 * multi-database server with one login, and refuses `postgres`; the trust boundary says a tenant's
 * objects belong to its own role and the platform never reaches a tenant as the superuser. So the
 * workers' role is a plain login (no superuser, CREATEDB, CREATEROLE, replication, RLS bypass)
 * that holds nothing itself (NOINHERIT: membership gives no rights until the role is switched),
 * and per served database:
 *
 * - `GRANT tenant_<db> TO <worker>` and `GRANT CONNECT ON DATABASE <db> TO <worker>`;
 * - `ALTER ROLE <worker> IN DATABASE <db> SET role = 'tenant_<db>'`: PostgreSQL applies it at
 *   every login to that database, so each Odoo session there runs as the tenant's role, and
 *   what Odoo creates (tables of a module installed later, attachments' rows) stays the tenant's.
 *
 * Odoo finds "its" databases with `SELECT datname FROM pg_database WHERE datdba = (SELECT usesysid
 * FROM pg_user WHERE usename = current_user) …` on the maintenance database (odoo/service/db.py
 * list_dbs, which http.py's db_list calls with force=True even with --no-database-list). The
 * workers' role owns no database, so on the maintenance database it gets a search path that puts
 * a schema of ours before pg_catalog, holding a view `pg_database` of the databases it may
 * connect to, each shown as owned by the current user. Odoo's code runs unchanged; its query
 * answers "the databases this worker serves", which `--db-filter` then narrows to the request's.
 */
export const WORKER_CATALOG_SCHEMA = 'dbtools_odoo_catalog';
const PREFIX = 'dbtools_odoo_';

/** One role per hosting server (each server is a cluster of its own). */
export function workerRoleName(serverName: string): string {
  const safe = serverName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${PREFIX}${safe}`.slice(0, 63);
}

export function workerRolePassword(secret: Buffer, role: string): string {
  return createHmac('sha256', secret).update(`dbtools odoo worker role\0${role}`).digest('base64url');
}

export interface WorkerLogin {
  role: string;
  password: string;
}

export function workerLogin(secret: Buffer, serverName: string): WorkerLogin {
  const role = workerRoleName(serverName);
  return { role, password: workerRolePassword(secret, role) };
}

const ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT';

/**
 * The role, its password, and its view of the databases it serves on the maintenance database.
 * `admin` is the superuser connected to the maintenance database. Idempotent.
 */
export async function ensureWorkerRole(admin: pg.ClientBase, login: WorkerLogin): Promise<void> {
  const role = pg.escapeIdentifier(login.role);
  const password = pg.escapeLiteral(login.password);
  const exists = await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [login.role]);
  if (exists.rows[0]?.rolsuper) throw new Error(`refusing to use the superuser ${login.role} for Odoo's workers`);
  if (!exists.rowCount) {
    await admin.query(`CREATE ROLE ${role} ${ROLE_ATTRIBUTES} PASSWORD ${password}`).catch((e: { code?: string }) => {
      if (e.code !== '42710') throw e; // created meanwhile by another process
    });
  }
  await admin.query(`ALTER ROLE ${role} ${ROLE_ATTRIBUTES} PASSWORD ${password}`);
  const schema = pg.escapeIdentifier(WORKER_CATALOG_SCHEMA);
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  // datdba reads as the current user for every database the role may connect to: Odoo's own
  // query then lists exactly those. Templates and the maintenance database are left out by Odoo.
  await admin.query(
    `CREATE OR REPLACE VIEW ${schema}.pg_database AS
       SELECT d.datname, (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) AS datdba,
              d.datistemplate, d.datallowconn
         FROM pg_catalog.pg_database d
        WHERE pg_catalog.has_database_privilege(d.oid, 'CONNECT')`,
  );
  await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  await admin.query(`GRANT SELECT ON ${schema}.pg_database TO ${role}`);
  await admin.query(`GRANT CONNECT ON DATABASE postgres TO ${role}`);
  await admin.query(`ALTER ROLE ${role} IN DATABASE postgres SET search_path = ${schema}, pg_catalog`);
}

/** The worker role serves `database` as the tenant's role (see above). Run as the superuser on the maintenance database. */
export async function grantWorkerAccess(admin: pg.ClientBase, worker: string, database: string): Promise<void> {
  const role = pg.escapeIdentifier(worker);
  const tenant = tenantRoleName(database);
  await admin.query(`GRANT ${pg.escapeIdentifier(tenant)} TO ${role}`);
  await admin.query(`GRANT CONNECT ON DATABASE ${quoteDatabaseName(database)} TO ${role}`);
  await admin.query(`ALTER ROLE ${role} IN DATABASE ${quoteDatabaseName(database)} SET role = ${pg.escapeLiteral(tenant)}`);
}

/**
 * The worker role no longer serves `database`: its setting there, its CONNECT and its membership
 * of the tenant's role go (each only when still there: the database or the role may be gone).
 * Its open sessions on the database are ended.
 */
export async function revokeWorkerAccess(admin: pg.ClientBase, worker: string, database: string): Promise<void> {
  const role = pg.escapeIdentifier(worker);
  if (await databaseExists(admin, database)) {
    await admin.query(`ALTER ROLE ${role} IN DATABASE ${quoteDatabaseName(database)} RESET ALL`);
    await admin.query(`REVOKE CONNECT ON DATABASE ${quoteDatabaseName(database)} FROM ${role}`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND datname = $2', [
      worker,
      database,
    ]);
  }
  const tenant = tenantRoleName(database);
  const member = await admin.query(
    `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
      WHERE g.rolname = $1 AND r.rolname = $2`,
    [tenant, worker],
  );
  if (member.rowCount) await admin.query(`REVOKE ${pg.escapeIdentifier(tenant)} FROM ${role}`);
}

/** The databases the worker role serves now: those it has a setting on (see grantWorkerAccess). */
export async function databasesServedByWorker(admin: pg.ClientBase, worker: string): Promise<string[]> {
  const { rows } = await admin.query<{ name: string }>(
    `SELECT d.datname AS name FROM pg_db_role_setting s
       JOIN pg_database d ON d.oid = s.setdatabase JOIN pg_roles r ON r.oid = s.setrole
      WHERE r.rolname = $1 AND d.datname <> 'postgres'`,
    [worker],
  );
  return rows.map((r) => r.name);
}
