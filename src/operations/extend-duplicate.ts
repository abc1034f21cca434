import { z } from 'zod';
import { Conflict, Invalid } from '../errors.js';
import { defineOperation } from './define.js';
import { addDays } from '../dates.js';
import { setTrialExpiration } from './trial-expiration.js';

/** The latest date a duplicate's life may be extended to at a level. */
export function duplicateExtensionLimit(now: Date, extensionDays: number): Date {
  return addDays(now, extensionDays);
}

export const extendDuplicate = defineOperation({
  name: 'extend-duplicate',
  access: 'duplicate',
  title: 'Extend the duplicate',
  summary: 'Moves the removal date of a test duplicate, up to the limit of your level.',
  input: z.object({ until: z.coerce.date().describe('New expiration date and time') }),
  async run(ctx) {
    const { database, input, limits, now } = ctx;
    if (!database.duplicate_of) throw new Conflict('Only a duplicate has a life to extend.');
    if (database.mode === 'drop') throw new Conflict('This duplicate is dropped: undrop it first.');
    const until = new Date(input.until);
    if (until <= now) throw new Invalid('The new expiration date is in the past.');
    const latest = duplicateExtensionLimit(now, limits.duplicateExtensionDays);
    if (until > latest) {
      throw new Invalid(
        `Your level allows extending a duplicate up to ${latest.toISOString()} (now + ${limits.duplicateExtensionDays} days).`,
      );
    }
    const row = await setTrialExpiration(ctx, { expire_date: until });
    return { expire_date: row.expire_date };
  },
});
