import type { Insertable, Kysely } from 'kysely';
import type { Metabase, MoveRollbackCopyRow, MoveRollbackCopyTable } from '../schema.js';

type Db = Kysely<Metabase>;

/** Recorded in the transaction that switches the database's row to its new server (idempotent per job). */
export async function insertMoveRollbackCopy(tx: Db, copy: Insertable<MoveRollbackCopyTable>): Promise<void> {
  await tx
    .insertInto('move_rollback_copy')
    .values(copy)
    .onConflict((oc) => oc.column('job_id').doNothing())
    .execute();
}

/**
 * Copies past their keep-until date and not yet removed, whose move job has ended: a copy is
 * recorded at the switch, before the job renames the source into it, so a job still running
 * may not have made it yet.
 */
export function dueMoveRollbackCopies(db: Db, now: Date): Promise<MoveRollbackCopyRow[]> {
  return db
    .selectFrom('move_rollback_copy as c')
    .innerJoin('job', 'job.id', 'c.job_id')
    .selectAll('c')
    .where('c.removed_at', 'is', null)
    .where('c.keep_until', '<=', now)
    .where('job.state', 'in', ['completed', 'failed'])
    .orderBy('c.keep_until')
    .execute();
}

export async function markMoveRollbackCopyRemoved(db: Db, id: number, at: Date): Promise<void> {
  await db.updateTable('move_rollback_copy').set({ removed_at: at }).where('id', '=', id).execute();
}

/** The database's rollback copy still kept (its newest), if any. */
export function keptMoveRollbackCopy(db: Db, database: string): Promise<MoveRollbackCopyRow | undefined> {
  return db
    .selectFrom('move_rollback_copy')
    .selectAll()
    .where('database_name', '=', database)
    .where('removed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
