import pg from 'pg';

/** Cluster-level SQL a restore needs beside the database itself (cluster-databases.ts): its loader role, its extensions. */

/**
 * A login role that can own one database and nothing else: it cannot create roles or
 * databases, bypass row security or replicate. Customer SQL runs as such a role. (INHERIT stays:
 * owning the public schema comes through the implicit pg_database_owner membership.)
 */
export async function createLoaderRole(admin: pg.ClientBase, role: string, password: string): Promise<void> {
  await admin.query(
    `CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD ${pg.escapeLiteral(password)}`,
  );
}

/** Ends the role's sessions, then drops it; the role must own nothing any more. Idempotent. */
export async function dropRoleIfExists(admin: pg.ClientBase, role: string): Promise<void> {
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
  await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
}

/**
 * The extensions Odoo's _create_empty_database creates before a restore. Run connected as the
 * database's owner: both are trusted (PostgreSQL 13+), and the owner must own them for the
 * dump's `COMMENT ON EXTENSION` lines to pass.
 */
export async function createOdooExtensions(client: pg.ClientBase): Promise<void> {
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await client.query('CREATE EXTENSION IF NOT EXISTS unaccent');
}

export async function roleExists(admin: pg.ClientBase, role: string): Promise<boolean> {
  const res = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return !!res.rowCount;
}
