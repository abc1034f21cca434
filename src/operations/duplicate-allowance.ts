import type { App } from '../app.js';
import type { DatabaseRow } from '../metabase/schema.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { duplicatesWeight } from '../provisioning/copy-rules.js';
import { isLocked } from '../lifecycle/maintenance-lock.js';

export interface DuplicateAllowance {
  possible: boolean;
  reason: string | null;
  duplicates: { name: string; expire_date: Date | null; mode: DatabaseRow['mode']; state: DatabaseRow['state'] }[];
  weightUsed: number;
  limit: number;
}

/**
 * Whether a database may be duplicated once more. Duplicates count against its
 * duplicate_limit by weight: a live one 1, one in drop mode less (config.duplicateDropWeight),
 * so that duplicating then dropping does not get around the limit.
 */
export async function duplicateAllowance(app: App, db: MetabaseDb, database: DatabaseRow): Promise<DuplicateAllowance> {
  const { duplicates, weightUsed } = await duplicatesWeight(app, db, database.name);
  const limit = database.duplicate_limit;
  let reason: string | null = null;
  if (isLocked(database)) reason = `The database is locked (${database.status}).`;
  else if (database.mode === 'drop') reason = 'A database in drop mode cannot be duplicated; undrop it first.';
  else if (weightUsed >= limit) {
    reason = `The duplicates limit is reached (${weightUsed} of ${limit}; a dropped duplicate counts ${app.config.duplicateDropWeight}).`;
  }
  return {
    possible: reason === null,
    reason,
    duplicates: duplicates.map((d) => ({ name: d.name, expire_date: d.expire_date, mode: d.mode, state: d.state })),
    weightUsed,
    limit,
  };
}
