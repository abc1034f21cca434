import pg from 'pg';
import type { App } from '../app.js';
import { giveSuperuserObjectsTo, LEGACY_SUPERUSER_OPTIONS } from '../hosting/superuser-objects.js';
import {
  ensureTenantRole,
  giveDatabaseToRole,
  handOverDatabase,
  letOdooBusConnect,
  MAINTENANCE_DATABASE,
  tenantRoleName,
} from '../hosting/tenant-role.js';
import { activeDatabaseNamesOnServer } from '../metabase/repositories/databases.js';
import { listServers } from '../metabase/repositories/servers.js';
import type { HostingServerRow } from '../metabase/schema.js';

interface ClusterDatabase {
  name: string;
  owner: string;
  superuser: boolean;
  public_connect: boolean;
}

/**
 * At every start, on every hosting server: CONNECT is PUBLIC's on no database (each tenant role has
 * it on the maintenance database, for Odoo's bus, and may create nothing there), each tenant is owned
 * by its own role and that role is exactly a tenant role (a crashed adoption may have left it a
 * member of another role, or CREATEDB). A tenant still owned by the superuser (made before tenants
 * had roles) is given its role here, and logged: the one time the platform connects to a tenant as
 * the superuser, with triggers and rules off and nothing of the customer's called.
 */
export async function giveTenantsTheirRoles(app: App): Promise<void> {
  for (const server of await listServers(app.metabase)) {
    const names = new Set(await activeDatabaseNamesOnServer(app.metabase, server.id));
    try {
      await app.tenants.withCluster(server.id, (admin) => sweepServer(app, server, admin, names));
    } catch (err) {
      app.log.error({ server: server.name, err: (err as Error).message }, 'could not check the tenant roles of a server');
    }
  }
}

async function sweepServer(app: App, server: HostingServerRow, admin: pg.Client, tenants: Set<string>): Promise<void> {
  const { rows } = await admin.query<ClusterDatabase>(
    `SELECT d.datname AS name, r.rolname AS owner, r.rolsuper AS superuser,
            d.datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') AS public_connect
       FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
      WHERE d.datallowconn`,
  );
  for (const db of rows) {
    if (tenants.has(db.name)) await giveTenantItsRole(app, server, admin, db);
    else if (db.public_connect) await admin.query(`REVOKE CONNECT ON DATABASE ${pg.escapeIdentifier(db.name)} FROM PUBLIC`);
  }
  // Tenant roles connect to the maintenance database (`admin`'s) for Odoo's bus only
  // (letOdooBusConnect): nothing of theirs may be created where the superuser works, whatever
  // defaults the cluster was made with (PUBLIC could create in public before PostgreSQL 15).
  await admin.query(`REVOKE TEMPORARY ON DATABASE ${MAINTENANCE_DATABASE} FROM PUBLIC`);
  const publicSchema = await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'public'`);
  if (publicSchema.rowCount) await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  // Tenant roles left with more than a tenant role may have (a crash between beginAdoption and endAdoption).
  const strays = await admin.query<{ role: string }>(
    `SELECT r.rolname AS role FROM pg_roles r
      WHERE r.rolname LIKE 'tenant\\_%' AND (r.rolcreatedb OR r.rolcreaterole
         OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid)
         OR EXISTS (SELECT 1 FROM pg_db_role_setting s WHERE s.setrole = r.oid))`,
  );
  const byRole = new Map([...tenants].map((name) => [tenantRoleName(name), name]));
  for (const { role } of strays.rows) {
    const name = byRole.get(role);
    if (!name) continue;
    await ensureTenantRole(admin, app.tenants.tenantLogin(name));
    app.log.warn({ server: server.name, role }, 'a tenant role had more than its own rights; reset');
  }
  const settings = await admin.query<{ name: string }>(
    // setrole 0: ALTER DATABASE … SET (the Odoo workers' own per-database role setting is ours).
    `SELECT DISTINCT d.datname AS name FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE s.setrole = 0`,
  );
  const customized = settings.rows.map((r) => r.name).filter((n) => tenants.has(n));
  if (customized.length) {
    app.log.info(
      { server: server.name, databases: customized.slice(0, 20), count: customized.length },
      'tenant databases carry ALTER DATABASE … SET settings; the platform’s sessions override them',
    );
  }
}

async function giveTenantItsRole(app: App, server: HostingServerRow, admin: pg.Client, db: ClusterDatabase): Promise<void> {
  const login = app.tenants.tenantLogin(db.name);
  if (db.owner === login.role) {
    if (db.public_connect) await giveDatabaseToRole(admin, db.name, login.role);
    await letOdooBusConnect(admin, login.role);
    return;
  }
  if (!db.superuser) {
    await handOverDatabase(admin, server, login, db.owner);
    app.log.warn({ server: server.name, database: db.name, from: db.owner }, 'tenant database given to its own role');
    return;
  }
  await ensureTenantRole(admin, login);
  await giveDatabaseToRole(admin, db.name, login.role);
  const client = new pg.Client({ ...app.tenants.clusterConfig(server), database: db.name, options: LEGACY_SUPERUSER_OPTIONS });
  client.on('error', () => undefined); // surfaced by the pending query instead
  await client.connect();
  try {
    const objects = await giveSuperuserObjectsTo(client, login.role);
    app.log.warn(
      { server: server.name, database: db.name, role: login.role, objects },
      'tenant database was owned by the superuser: given to its own role',
    );
  } finally {
    await client.end();
  }
}
