import { z } from 'zod';
import { Conflict } from '../errors.js';
import { defineOperation } from './define.js';
import { endMaintenanceLock, isLocked, setMaintenanceLock } from '../lifecycle/maintenance-lock.js';

export const lock = defineOperation({
  name: 'lock',
  access: 'lock',
  title: 'Lock for maintenance',
  summary: 'Locks the database: every change is refused until it is unlocked.',
  input: z.object({ reason: z.string().trim().min(1).max(500).describe('Reason, shown in the banner') }),
  async run({ tx, database, input }) {
    if (isLocked(database)) throw new Conflict('The database is already locked.');
    const row = await setMaintenanceLock(tx, database, input.reason);
    return { status: row.status, lock_reason: row.lock_reason };
  },
});

export const unlock = defineOperation({
  name: 'unlock',
  access: 'lock',
  title: 'Unlock',
  summary: 'Ends the maintenance lock and puts the previous status back.',
  input: z.object({}),
  allowedWhenLocked: true,
  async run({ tx, database }) {
    if (!isLocked(database)) throw new Conflict('The database is not locked.');
    const row = await endMaintenanceLock(tx, database);
    return { status: row.status };
  },
});
