import { createHash, createHmac } from 'node:crypto';
import pg from 'pg';
import type { LoaderLogin, PgAddress } from './backup-pg.js';
import { quoteDatabaseName } from './database-name.js';

/**
 * Each tenant database belongs to a role of its own: a login with no power beyond that database
 * (no superuser, no CREATEDB, no CREATEROLE, no replication, no row-security bypass). Whatever a
 * customer planted in the database (operators, functions, triggers, views, settings) runs at most
 * with that role's rights, whoever triggers it: the platform reads and writes tenants as that role,
 * never as the cluster's superuser, which works from the maintenance database only.
 *
 * Its name comes from the database's name and its password from the platform's secret, so no
 * process needs to store either: `tenant_<name>`, or for names too long for that, a prefix of the
 * name and a hash of all of it.
 */
const PREFIX = 'tenant_';
const NAMEDATALEN = 63;

export function tenantRoleName(database: string): string {
  const plain = `${PREFIX}${database}`;
  if (Buffer.byteLength(plain) <= NAMEDATALEN) return plain;
  const hash = createHash('sha256').update(database).digest('hex').slice(0, 12);
  return `${PREFIX}${database.slice(0, NAMEDATALEN - PREFIX.length - 13)}_${hash}`;
}

export function tenantRolePassword(secret: Buffer, role: string): string {
  return createHmac('sha256', secret).update(`dbtools tenant role\0${role}`).digest('base64url');
}

/** The login of a tenant database's own role (the shape the client tools take). */
export function tenantLogin(secret: Buffer, database: string): LoaderLogin {
  const role = tenantRoleName(database);
  return { role, password: tenantRolePassword(secret, role), database };
}

/**
 * Settings every platform session on a tenant starts with. Sent in the startup packet, they take
 * precedence over `ALTER DATABASE … SET` and `ALTER ROLE … SET` (a customer's own database may
 * carry those). pg_catalog is left out of search_path on purpose: PostgreSQL then searches it
 * before anything else, while what a session creates still goes to public (named first, it would
 * be where CREATE TABLE lands, and fail). pg_temp named last is searched last. So no customer
 * operator, function or temporary table can shadow the built-ins our SQL names, and output
 * formats stay the ones the driver parses.
 */
export const TENANT_SESSION_OPTIONS = [
  '-c search_path=public,pg_temp',
  '-c DateStyle=ISO,MDY',
  '-c IntervalStyle=postgres',
  '-c TimeZone=UTC',
  '-c bytea_output=hex',
  '-c extra_float_digits=1',
  '-c standard_conforming_strings=on',
  '-c statement_timeout=0',
  '-c lock_timeout=0',
  '-c idle_in_transaction_session_timeout=0',
  '-c row_security=on',
  '-c check_function_bodies=on',
].join(' ');

/** The cluster's maintenance database: CREATE/DROP DATABASE and the like run connected to it. */
export const MAINTENANCE_DATABASE = 'postgres';

/** Where a server's databases are, without a login (each caller adds its own). */
export function serverAddress(server: PgAddress, database: string): pg.ClientConfig {
  return { host: server.host, port: server.port, database, connectionTimeoutMillis: 5_000, application_name: 'dbtools' };
}

/** A connection to a tenant database as `login` (its own role, or a loader), with the fixed session settings. */
export function tenantConnectionConfig(server: PgAddress, login: LoaderLogin): pg.ClientConfig {
  return { ...serverAddress(server, login.database), user: login.role, password: login.password, options: TENANT_SESSION_OPTIONS };
}

/**
 * The role that owns the objects of the tenant templates (never a login): a new tenant's role
 * takes them over from it (adoptObjects), as it would from a loader.
 */
export const TEMPLATE_ROLE = 'dbtools_template';

export async function ensureTemplateRole(admin: pg.ClientBase): Promise<void> {
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [TEMPLATE_ROLE]);
  if (exists.rowCount) return;
  await admin.query(`CREATE ROLE ${TEMPLATE_ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`).catch((e: { code?: string }) => {
    if (e.code !== '42710') throw e; // created meanwhile
  });
}

const ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';

/**
 * Creates the role, or puts an existing one back to exactly what a tenant role may be: its
 * attributes, its password, no role-level settings, member of no other role (a crashed adoption
 * may have left one; see adoptObjects). Run as the superuser on the maintenance database.
 */
export async function ensureTenantRole(admin: pg.ClientBase, login: { role: string; password: string }): Promise<void> {
  const role = pg.escapeIdentifier(login.role);
  const password = pg.escapeLiteral(login.password);
  const exists = await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [
    login.role,
  ]);
  if (exists.rows[0]?.rolsuper) throw new Error(`refusing to use the superuser ${login.role} as a tenant role`);
  if (!exists.rowCount) {
    try {
      await admin.query(`CREATE ROLE ${role} ${ROLE_ATTRIBUTES} PASSWORD ${password}`);
      await letOdooBusConnect(admin, login.role);
      return;
    } catch (e) {
      // 42710: created meanwhile by another process of ours; make it right below.
      if ((e as { code?: string }).code !== '42710') throw e;
    }
  }
  await admin.query(`ALTER ROLE ${role} ${ROLE_ATTRIBUTES} PASSWORD ${password}`);
  await admin.query(`ALTER ROLE ${role} RESET ALL`);
  const memberships = await admin.query<{ granted: string }>(
    `SELECT g.rolname AS granted FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
      WHERE r.rolname = $1`,
    [login.role],
  );
  for (const { granted } of memberships.rows) {
    await admin.query(`REVOKE ${pg.escapeIdentifier(granted)} FROM ${role}`);
  }
  await letOdooBusConnect(admin, login.role);
}

/**
 * Odoo's bus (16.0 to 18.0, addons/bus/models/bus.py) sends its notifications with
 * `db_connect('postgres')`: after every commit that notifies (a chatter message, a user made in
 * 18.0...), the worker connects to the cluster's `postgres` database as its own database user,
 * the tenant's role, to NOTIFY imbus, and the websocket worker LISTENs there. Without CONNECT on
 * it, Odoo answers those requests with an error after committing them. Only CONNECT: the sweep at
 * start (provisioning/tenant-roles.ts) leaves PUBLIC nothing to create there. Idempotent.
 */
export async function letOdooBusConnect(admin: pg.ClientBase, role: string): Promise<void> {
  const { rows } = await admin.query<{ ok: boolean }>(`SELECT has_database_privilege($1, $2, 'CONNECT') AS ok`, [role, MAINTENANCE_DATABASE]);
  if (!rows[0].ok) await changeMaintenanceAcl(admin, `GRANT CONNECT ON DATABASE ${MAINTENANCE_DATABASE} TO ${pg.escapeIdentifier(role)}`);
}

/**
 * GRANT and REVOKE on the maintenance database rewrite its one pg_database row: two at once (tenants
 * made side by side) fail with "tuple concurrently updated" instead of waiting, so the loser retries.
 */
async function changeMaintenanceAcl(admin: pg.ClientBase, sql: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(sql);
      return;
    } catch (e) {
      if (!isConcurrentCatalogUpdate(e) || attempt >= 10) throw e;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}

/**
 * The database goes to its role, and only its role may connect (CONNECT revoked from PUBLIC, which
 * PostgreSQL grants by default). Run as the superuser on the maintenance database. Idempotent.
 */
export async function giveDatabaseToRole(admin: pg.ClientBase, database: string, role: string): Promise<void> {
  const quoted = quoteDatabaseName(database);
  await admin.query(`ALTER DATABASE ${quoted} OWNER TO ${pg.escapeIdentifier(role)}`);
  await admin.query(`REVOKE ALL ON DATABASE ${quoted} FROM PUBLIC`);
}

/** The owner of a database, and whether it is a superuser (a tenant not yet given its own role). */
export async function databaseOwner(
  admin: pg.ClientBase,
  database: string,
): Promise<{ owner: string; superuser: boolean } | undefined> {
  const res = await admin.query<{ owner: string; superuser: boolean }>(
    `SELECT r.rolname AS owner, r.rolsuper AS superuser FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
      WHERE d.datname = $1`,
    [database],
  );
  return res.rows[0];
}

/**
 * Before `role` takes over what `from` owns in its database (see adoptObjects): it becomes a
 * member of `from` for the time of it, and may move a database's ownership back when `from` owns
 * other databases (a duplicate's source). Run as the superuser on the maintenance database.
 */
export async function beginAdoption(admin: pg.ClientBase, role: string, from: string): Promise<void> {
  await admin.query(`GRANT ${pg.escapeIdentifier(from)} TO ${pg.escapeIdentifier(role)}`);
  const owns = await admin.query('SELECT 1 FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1', [from]);
  if (owns.rowCount) await admin.query(`ALTER ROLE ${pg.escapeIdentifier(role)} CREATEDB`);
}

/** Takes back what beginAdoption gave. Idempotent (ensureTenantRole does it too). */
export async function endAdoption(admin: pg.ClientBase, role: string, from: string): Promise<void> {
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [from]);
  if (exists.rowCount) await admin.query(`REVOKE ${pg.escapeIdentifier(from)} FROM ${pg.escapeIdentifier(role)}`);
  await admin.query(`ALTER ROLE ${pg.escapeIdentifier(role)} NOCREATEDB`);
}

/**
 * Connected to a tenant database as its role, between beginAdoption and endAdoption: everything
 * `from` owns here becomes the role's, in one transaction. REASSIGN OWNED also moves the
 * databases `from` owns (shared objects): any but this one go straight back to `from` in the
 * same transaction, so nobody ever sees them change hands. Runs nothing of the customer's:
 * ownership changes fire no trigger, and event triggers need a superuser to exist.
 */
export async function adoptObjects(client: pg.ClientBase, from: string): Promise<void> {
  // Two adoptions from the same role at once (demo databases copied side by side from templates it
  // owns) both rewrite the pg_database rows of its other databases: the loser fails with "tuple
  // concurrently updated" instead of waiting, and starts its transaction over.
  for (let attempt = 1; ; attempt++) {
    try {
      await adoptObjectsOnce(client, from);
      return;
    } catch (e) {
      if (!isConcurrentCatalogUpdate(e) || attempt >= 10) throw e;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

function isConcurrentCatalogUpdate(e: unknown): boolean {
  return (e as { code?: string }).code === 'XX000' && /concurrently updated/.test((e as Error).message);
}

async function adoptObjectsOnce(client: pg.ClientBase, from: string): Promise<void> {
  await client.query('BEGIN');
  try {
    const others = await client.query<{ datname: string }>(
      `SELECT d.datname FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid = d.datdba
        WHERE r.rolname = $1 AND d.datname <> pg_catalog.current_database()`,
      [from],
    );
    await client.query(`REASSIGN OWNED BY ${pg.escapeIdentifier(from)} TO CURRENT_USER`);
    for (const { datname } of others.rows) {
      await client.query(`ALTER DATABASE ${quoteDatabaseName(datname)} OWNER TO ${pg.escapeIdentifier(from)}`);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Drops a tenant's role once its database is gone; one that still owns something elsewhere stays, unable to log in. */
export async function dropTenantRole(admin: pg.ClientBase, role: string): Promise<void> {
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
  // A privilege on a database (letOdooBusConnect's) would keep DROP ROLE from dropping it.
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount) await changeMaintenanceAcl(admin, `REVOKE ALL ON DATABASE ${MAINTENANCE_DATABASE} FROM ${pg.escapeIdentifier(role)}`);
  try {
    await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  } catch (e) {
    // 2BP01: objects in another database depend on it (a duplicate's extension, say).
    if ((e as { code?: string }).code !== '2BP01') throw e;
    await admin.query(`ALTER ROLE ${pg.escapeIdentifier(role)} NOLOGIN PASSWORD NULL`);
  }
}

/**
 * Makes `owner.database` (its name on the cluster now; a scratch name while it is built) the
 * tenant's: the role (created or put right), the database, and every object `from` owns in it,
 * then runs `then` as the role. `admin` is the superuser on the maintenance database; the
 * database itself is only ever reached as the tenant's role. Each part finds what a crashed run
 * did, so a rerun finishes it; a run that finds `from` gone has nothing left to take.
 */
export async function handOverDatabase(
  admin: pg.ClientBase,
  address: PgAddress,
  owner: LoaderLogin,
  from: string,
  then?: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const fromRole = await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [from]);
  if (fromRole.rows[0]?.rolsuper) {
    throw new Error(`${owner.database} is still owned by the superuser; the platform's start gives it its own role`);
  }
  await ensureTenantRole(admin, owner);
  await giveDatabaseToRole(admin, owner.database, owner.role);
  if (!fromRole.rowCount || from === owner.role) return;
  await beginAdoption(admin, owner.role, from);
  const client = new pg.Client(tenantConnectionConfig(address, owner));
  client.on('error', () => undefined); // surfaced by the pending query instead
  await client.connect();
  try {
    await adoptObjects(client, from);
    await then?.(client);
  } finally {
    await client.end();
  }
  await endAdoption(admin, owner.role, from);
}
