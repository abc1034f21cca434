import { z } from 'zod';
import { Conflict } from '../errors.js';
import { copyExpireDate } from '../provisioning/copy-rules.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { defineOperation } from './define.js';
import { addDays, addMonths } from '../dates.js';
import { setTrialExpiration } from './trial-expiration.js';
import { syncOdooAccess } from '../odoo/serving.js';

/** Why a drop-mode database cannot be undropped, or null. */
export function undropRefusal(db: Pick<DatabaseRow, 'mode' | 'status'>): string | null {
  if (db.mode !== 'drop') return 'Only a database in drop mode can be undropped.';
  if (db.status === 'close' || db.status === 'cancel') {
    return `The subscription is ${db.status === 'close' ? 'closed' : 'cancelled'}: it must be re-opened before the database can be undropped.`;
  }
  return null;
}

export const undrop = defineOperation({
  name: 'undrop',
  access: 'drop',
  title: 'Undrop the database',
  summary: 'Brings a dropped database back: one-app free (3 months) or a 15-day trial; the customer can connect again.',
  input: z.object({ free: z.boolean().optional().describe('One-app free instead of a 15-day trial') }),
  async run(ctx) {
    const { database, input, now } = ctx;
    const refusal = undropRefusal(database);
    if (refusal) throw new Conflict(refusal);
    const free = !!input.free;
    // A duplicate comes back for its usual short life; a customer database as a trial.
    const changes = database.duplicate_of
      ? { expire_date: copyExpireDate(now) }
      : { extra_apps: !free, expire_date: free ? addMonths(now, 3) : addDays(now, 15) };
    const row = await setTrialExpiration(ctx, changes);
    const updated = await updateDatabase(ctx.tx, row.name, { mode: 'trial' });
    // The customer can connect again: the server's Odoo workers serve it again (when it has any).
    await syncOdooAccess(ctx.app, updated.name, { row: updated });
    return { mode: updated.mode, extra_apps: updated.extra_apps, expire_date: updated.expire_date };
  },
});
