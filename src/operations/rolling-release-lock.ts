import { z } from 'zod';
import { Conflict, Invalid } from '../errors.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import { addMonths } from '../dates.js';
import { defineOperation } from './define.js';
import { untilInput } from './inputs.js';

export const setRollingReleaseLock = defineOperation({
  name: 'set-rolling-release-lock',
  access: 'migration',
  title: 'Lock rolling releases',
  summary: 'No rolling release is processed for this trial database until the given date (at most one month ahead).',
  input: z.object({ until: untilInput().describe('No rolling release until (at most one month ahead)') }),
  allowedWhenLocked: true,
  async run({ tx, database, input, now }) {
    if (database.mode !== 'trial') throw new Conflict('Rolling releases can be locked on trial databases only.');
    const until = new Date(input.until);
    if (until <= now) throw new Invalid('The lock date is in the past.');
    // One month ahead, to the end of that day (a day alone means its end).
    const latest = addMonths(now, 1);
    latest.setUTCHours(23, 59, 59, 999);
    if (until > latest) {
      throw new Invalid(`A rolling release can be locked at most one month ahead (until ${latest.toISOString().slice(0, 10)}).`);
    }
    const row = await updateDatabase(tx, database.name, { rolling_release_locked_until: until });
    return { rollingReleaseLockedUntil: row.rolling_release_locked_until };
  },
});

export const clearRollingReleaseLock = defineOperation({
  name: 'clear-rolling-release-lock',
  access: 'migration',
  title: 'Unlock rolling releases',
  summary: 'Removes the rolling-release lock: the next night’s rolling release applies again.',
  input: z.object({}),
  allowedWhenLocked: true,
  async run({ tx, database }) {
    if (!database.rolling_release_locked_until) throw new Conflict('No rolling-release lock is set.');
    await updateDatabase(tx, database.name, { rolling_release_locked_until: null });
    return { rollingReleaseLockedUntil: null };
  },
});
