import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DatabaseRow, Metabase, UpgradeRequestRow, UpgradeRequestTable, UpgradeState } from '../schema.js';

type Db = Kysely<Metabase>;

/** The states of a request that has not ended: it holds its database's upgrade slot. */
export const OPEN_UPGRADE_STATES: UpgradeState[] = ['Queued', 'Running', 'Sent to Upgrade Platform', 'To Restore on Cloud'];

export function findUpgradeRequest(db: Db, id: number): Promise<UpgradeRequestRow | undefined> {
  return db.selectFrom('upgrade_request').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the request's row for the caller's transaction (state changes race with cancellation). */
export function lockUpgradeRequest(tx: Db, id: number): Promise<UpgradeRequestRow | undefined> {
  return tx.selectFrom('upgrade_request').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function insertUpgradeRequest(db: Db, row: Insertable<UpgradeRequestTable>): Promise<UpgradeRequestRow> {
  return db.insertInto('upgrade_request').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateUpgradeRequest(
  db: Db,
  id: number,
  changes: Updateable<UpgradeRequestTable>,
): Promise<UpgradeRequestRow> {
  return db
    .updateTable('upgrade_request')
    .set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A database's requests, newest first (the history). */
export function upgradeRequestsOf(db: Db, database: string, limit = 50): Promise<UpgradeRequestRow[]> {
  return db
    .selectFrom('upgrade_request')
    .selectAll()
    .where('database_name', '=', database)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** An open request of the database, if any: one upgrade at a time per database. */
export function openUpgradeRequestOf(db: Db, database: string): Promise<UpgradeRequestRow | undefined> {
  return db
    .selectFrom('upgrade_request')
    .selectAll()
    .where('database_name', '=', database)
    .where('state', 'in', OPEN_UPGRADE_STATES)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Whether a test upgrade (Internal or Copy) of the database to `target` ended Done. */
export async function hasSucceededTestUpgrade(db: Db, database: string, target: string): Promise<boolean> {
  const row = await db
    .selectFrom('upgrade_request')
    .select('id')
    .where('database_name', '=', database)
    .where('target', '=', target)
    .where('mode', 'in', ['internal', 'copy'])
    .where('state', '=', 'Done')
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

/** Queued rolling releases with no job yet, oldest first (the night dispatcher's queue). */
export function queuedRollingReleases(db: Db): Promise<UpgradeRequestRow[]> {
  return db
    .selectFrom('upgrade_request')
    .selectAll()
    .where('mode', '=', 'rolling')
    .where('state', '=', 'Queued')
    .where('job_id', 'is', null)
    .orderBy('id')
    .execute();
}

/** Rolling releases with a job that has not ended, per hosting server of their database. */
export async function runningRollingReleasesByServer(db: Db): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('upgrade_request')
    .innerJoin('database', 'database.name', 'upgrade_request.database_name')
    .select(['database.server_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('upgrade_request.mode', '=', 'rolling')
    .where('upgrade_request.job_id', 'is not', null)
    .where('upgrade_request.state', 'in', OPEN_UPGRADE_STATES)
    .groupBy('database.server_id')
    .execute();
  return new Map(rows.map((r) => [r.server_id, Number(r.n)]));
}

/**
 * Active databases on a `saas~` version that a rolling release may take tonight: not a test copy, not locked by
 * an agent, no open upgrade request, and no rolling release requested since `since` (a failed
 * one is tried again the next night, not every run).
 */
export function rollingReleaseCandidates(db: Db, now: Date, since: Date): Promise<DatabaseRow[]> {
  return db
    .selectFrom('database as d')
    .selectAll('d')
    .where('d.state', '=', 'active')
    .where('d.version', 'like', 'saas~%')
    // Test copies (duplicates, upgraded copies) live hours and hold no subscription: never rolled.
    .where('d.duplicate_of', 'is', null)
    .where((eb) => eb.or([eb('d.rolling_release_locked_until', 'is', null), eb('d.rolling_release_locked_until', '<=', now)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('upgrade_request as r')
            .select('r.id')
            .whereRef('r.database_name', '=', 'd.name')
            .where((eb) => eb.or([eb('r.state', 'in', OPEN_UPGRADE_STATES), eb.and([eb('r.mode', '=', 'rolling'), eb('r.requested_at', '>=', since)])])),
        ),
      ),
    )
    .orderBy('d.name')
    .execute();
}
