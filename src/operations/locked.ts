import type { DatabaseRow } from '../metabase/schema.js';

/** The platform locks a database (maintenance) by putting `maintenance` in its status. */
export function isLocked(db: Pick<DatabaseRow, 'status'>): boolean {
  return db.status.includes('maintenance');
}
