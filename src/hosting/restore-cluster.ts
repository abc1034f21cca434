import pg from 'pg';
import { quoteDatabaseName } from './database-name.js';

/** Cluster-level SQL a restore needs; identifiers always through quoteDatabaseName. */
export async function databaseExists(admin: pg.ClientBase, name: string): Promise<boolean> {
  const res = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return !!res.rowCount;
}

export async function dropDatabaseIfExists(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${quoteDatabaseName(name)} WITH (FORCE)`);
}

/** An empty database as Odoo's _create_empty_database makes one. */
export async function createEmptyDatabase(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`CREATE DATABASE ${quoteDatabaseName(name)} ENCODING 'UTF8' TEMPLATE template0`);
}

async function terminateSessions(admin: pg.ClientBase, names: string[]): Promise<void> {
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()',
    [names],
  );
}

/**
 * Puts `incoming` in the place of `name` in one transaction (ALTER DATABASE ... RENAME is
 * transactional): every instant, `name` is the old database or the new one. The current one,
 * if any, becomes `replaced`. Renaming needs no other session on either database, so they are
 * terminated first; a client reconnecting in between makes us try again.
 */
export async function swapDatabases(
  admin: pg.ClientBase,
  name: string,
  incoming: string,
  replaced: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await terminateSessions(admin, [name, incoming]);
    try {
      await admin.query('BEGIN');
      if (await databaseExists(admin, name)) {
        await admin.query(
          `ALTER DATABASE ${quoteDatabaseName(name)} RENAME TO ${quoteDatabaseName(replaced)}`,
        );
      }
      await admin.query(`ALTER DATABASE ${quoteDatabaseName(incoming)} RENAME TO ${quoteDatabaseName(name)}`);
      await admin.query('COMMIT');
      return;
    } catch (e) {
      await admin.query('ROLLBACK').catch(() => undefined);
      // 55006: object in use (a session came back between the terminate and the rename).
      if ((e as { code?: string }).code !== '55006' || attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export async function renameDatabase(admin: pg.ClientBase, from: string, to: string): Promise<void> {
  await terminateSessions(admin, [from]);
  await admin.query(`ALTER DATABASE ${quoteDatabaseName(from)} RENAME TO ${quoteDatabaseName(to)}`);
}

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

/** An empty database as Odoo's _create_empty_database makes one, owned by `owner`. */
export async function createEmptyDatabaseOwnedBy(admin: pg.ClientBase, name: string, owner: string): Promise<void> {
  await admin.query(
    `CREATE DATABASE ${quoteDatabaseName(name)} ENCODING 'UTF8' TEMPLATE template0 OWNER ${pg.escapeIdentifier(owner)}`,
  );
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
