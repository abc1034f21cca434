import type { MetabaseDb } from '../metabase/connect.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import type { DatabaseRow } from '../metabase/schema.js';

/** The platform locks a database (maintenance) by putting `maintenance` in its status. */
export function isLocked(db: Pick<DatabaseRow, 'status'>): boolean {
  return db.status.includes('maintenance');
}

/**
 * Sets the maintenance lock (the `lock` operation, and jobs that need the database still: a
 * move); the status it replaces is kept for `endMaintenanceLock`. `database` is the row locked in `tx`.
 */
export function setMaintenanceLock(tx: MetabaseDb, database: DatabaseRow, reason: string): Promise<DatabaseRow> {
  return updateDatabase(tx, database.name, {
    status: 'maintenance',
    status_before_lock: database.status,
    lock_reason: reason,
  });
}

/** Ends the maintenance lock and puts the previous status back. */
export function endMaintenanceLock(tx: MetabaseDb, database: DatabaseRow): Promise<DatabaseRow> {
  return updateDatabase(tx, database.name, {
    status: database.status_before_lock ?? 'open',
    status_before_lock: null,
    lock_reason: null,
  });
}
