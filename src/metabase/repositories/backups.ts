import { sql, type Kysely } from 'kysely';
import type { BackupKind, BackupRow, BackupTable, Metabase } from '../schema.js';
import type { Insertable, Updateable } from 'kysely';

type Db = Kysely<Metabase>;

export function findBackup(db: Db, id: number): Promise<BackupRow | undefined> {
  return db.selectFrom('backup').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findJobBackup(db: Db, jobId: number, database: string): Promise<BackupRow | undefined> {
  return db
    .selectFrom('backup')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('database_name', '=', database)
    .executeTakeFirst();
}

export function insertBackup(db: Db, row: Insertable<BackupTable>): Promise<BackupRow> {
  return db.insertInto('backup').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateBackup(db: Db, id: number, changes: Updateable<BackupTable>): Promise<void> {
  await db.updateTable('backup').set(changes).where('id', '=', id).execute();
}

export async function deleteBackupRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('backup').where('id', '=', id).execute();
}

/** Ready backups of a database, newest first. */
export function listReadyBackups(db: Db, database: string): Promise<BackupRow[]> {
  return db
    .selectFrom('backup')
    .selectAll()
    .where('database_name', '=', database)
    .where('state', '=', 'ready')
    .orderBy('taken_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export function listBackupsOf(db: Db, database: string): Promise<BackupRow[]> {
  return db
    .selectFrom('backup')
    .selectAll()
    .where('database_name', '=', database)
    .orderBy('taken_at', 'desc')
    .execute();
}

/** Every database name that has backups, active or removed: retention runs over all of them. */
export async function databasesWithBackups(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('backup').select('database_name').distinct().execute();
  return rows.map((r) => r.database_name);
}

/** Automatic backups of a database taken at or after `since` (any automatic kind). */
export async function latestAutomaticKinds(db: Db, database: string, since: Date): Promise<BackupKind[]> {
  const rows = await db
    .selectFrom('backup')
    .select('kind')
    .where('database_name', '=', database)
    .where('kind', 'in', ['daily', 'weekly', 'monthly'])
    .where('state', '=', 'ready')
    .where('taken_at', '>=', since)
    .execute();
  return rows.map((r) => r.kind);
}

/** Active databases with no ready backup taken since `since`: the automatic run's work list. */
export async function databasesNeedingBackup(db: Db, since: Date): Promise<{ name: string }[]> {
  return db
    .selectFrom('database as d')
    .select('d.name')
    .where('d.state', '=', 'active')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('backup as b')
            .select(sql`1`.as('x'))
            .whereRef('b.database_name', '=', 'd.name')
            .where('b.state', '=', 'ready')
            .where('b.kind', 'in', ['daily', 'weekly', 'monthly', 'manual'])
            .where('b.taken_at', '>=', since),
        ),
      ),
    )
    .orderBy('d.name')
    .execute();
}

/** Backup rows left `running` by jobs that are over (their process died): the files are partial. */
export function abandonedBackups(db: Db): Promise<BackupRow[]> {
  return db
    .selectFrom('backup as b')
    .selectAll('b')
    .where('b.state', '=', 'running')
    .where((eb) =>
      eb.or([
        eb('b.job_id', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('job as j')
              .select(sql`1`.as('x'))
              .whereRef('j.id', '=', 'b.job_id')
              .where('j.state', 'in', ['queued', 'running']),
          ),
        ),
      ]),
    )
    .execute();
}

/** Manual backups asked for on a database since `since` (jobs, so queued ones count too). */
export async function countManualBackupJobsSince(db: Db, database: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('job')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('kind', '=', 'backup')
    .where('database_name', '=', database)
    .where('state', '!=', 'failed')
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return row.n;
}
