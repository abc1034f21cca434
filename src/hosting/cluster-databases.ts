import pg from 'pg';
import { quoteDatabaseName } from './database-name.js';

/**
 * A database as a whole on a cluster: is it there, make it, drop it, rename it. `admin` is a
 * superuser connection to the cluster's maintenance database; every name is validated and quoted
 * by quoteDatabaseName (tenants and the scratch namespace alike), never concatenated.
 */

export async function databaseExists(admin: pg.ClientBase, name: string): Promise<boolean> {
  const res = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return !!res.rowCount;
}

export interface NewDatabase {
  /** A copy of this database (CREATE DATABASE … TEMPLATE); without one, an empty database. */
  template?: string;
  /** Its owner role; the superuser otherwise. */
  owner?: string;
  /** FILE_COPY (PostgreSQL 15+): the template's files copied rather than WAL-logged block by block. */
  strategy?: 'FILE_COPY';
}

/**
 * Creates `name`. Empty, it is what Odoo's _create_empty_database makes (UTF8, from template0);
 * a copy takes its template's encoding. Fails with 42P04 when the name is taken.
 */
export async function createDatabase(admin: pg.ClientBase, name: string, options: NewDatabase = {}): Promise<void> {
  const from = options.template ? `TEMPLATE ${quoteDatabaseName(options.template)}` : `ENCODING 'UTF8' TEMPLATE template0`;
  const owner = options.owner ? ` OWNER ${pg.escapeIdentifier(options.owner)}` : '';
  const strategy = options.strategy ? ` STRATEGY ${options.strategy}` : '';
  await admin.query(`CREATE DATABASE ${quoteDatabaseName(name)} ${from}${owner}${strategy}`);
}

/**
 * A service's own database (the metabase, the upgrade platform's), created unless it is there.
 * Its name comes from the platform's configuration, not from a tenant, and need not follow the
 * tenant name rules: quoted only. From the cluster's default template, as it always was.
 */
export async function ensureServiceDatabase(admin: pg.ClientBase, name: string): Promise<void> {
  if (!(await databaseExists(admin, name))) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
}

/** WITH (FORCE) ends the sessions still connected (Odoo's exp_drop does it by hand). Idempotent. */
export async function dropDatabase(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${quoteDatabaseName(name)} WITH (FORCE)`);
}

/** PostgreSQL refuses to drop a database flagged as a template: the flag goes first. Idempotent. */
export async function dropTemplateDatabase(admin: pg.ClientBase, name: string): Promise<void> {
  if (!(await databaseExists(admin, name))) return;
  await admin.query(`ALTER DATABASE ${quoteDatabaseName(name)} IS_TEMPLATE false`);
  await dropDatabase(admin, name);
}

async function terminateSessions(admin: pg.ClientBase, names: string[]): Promise<void> {
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()',
    [names],
  );
}

function renameSql(from: string, to: string): string {
  return `ALTER DATABASE ${quoteDatabaseName(from)} RENAME TO ${quoteDatabaseName(to)}`;
}

/** Renaming needs no other session on the database: they are ended first. */
export async function renameDatabase(admin: pg.ClientBase, from: string, to: string): Promise<void> {
  await terminateSessions(admin, [from]);
  await admin.query(renameSql(from, to));
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
      if (await databaseExists(admin, name)) await admin.query(renameSql(name, replaced));
      await admin.query(renameSql(incoming, name));
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
