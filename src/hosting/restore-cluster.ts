import type pg from 'pg';
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
