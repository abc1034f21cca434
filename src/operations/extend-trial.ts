import { z } from 'zod';
import { Conflict, Invalid } from '../errors.js';
import { defineOperation } from './define.js';
import { endOfDayAfter } from '../dates.js';
import { untilInput } from './inputs.js';
import { setTrialExpiration } from './trial-expiration.js';

export const extendTrial = defineOperation({
  name: 'extend-trial',
  access: 'expire_date',
  title: 'Extend the trial',
  summary: 'Moves the expiration date of a trial with extra apps, up to the limit of your level.',
  input: z.object({ until: untilInput().describe('New expiration date (a day alone: the end of that day, UTC)') }),
  async run(ctx) {
    const { database, input, limits, now } = ctx;
    if (database.mode !== 'trial' || !database.extra_apps) {
      throw new Conflict('Only a trial with extra apps has a trial expiration to extend.');
    }
    const until = new Date(input.until);
    const startOfToday = new Date(now);
    startOfToday.setUTCHours(0, 0, 0, 0);
    if (until < startOfToday) throw new Invalid('The new expiration date is in the past.');
    if (database.expire_date && until < database.expire_date) {
      throw new Invalid(
        `The trial already runs until ${database.expire_date.toISOString()}: an extension cannot move it earlier (asked: ${until.toISOString()}).`,
      );
    }
    const latest = endOfDayAfter(now, limits.trialDays);
    if (until > latest) {
      throw new Invalid(`Your level allows extending a trial up to ${latest.toISOString().slice(0, 10)} (today + ${limits.trialDays} days).`);
    }
    const row = await setTrialExpiration(ctx, { expire_date: until });
    return { expire_date: row.expire_date };
  },
});
