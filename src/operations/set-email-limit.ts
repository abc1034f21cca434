import { z } from 'zod';
import { Invalid } from '../errors.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import { defineOperation } from './define.js';
import { int4Count } from './inputs.js';

export const setEmailLimit = defineOperation({
  name: 'set-email-limit',
  access: 'email_limit',
  title: 'Set the daily e-mail limit',
  summary:
    'Sets how many e-mails the database may send a day through the platform, up to your level’s highest. ' +
    'Pinned until a date, the nightly automatic raise leaves it alone.',
  input: z.object({
    limit: int4Count().describe('E-mails a day'),
    reason: z.string().trim().max(500).optional().describe('Why (required to pin)'),
    pinnedUntil: z.coerce.date().optional().describe('Pinned until'),
  }),
  async run({ tx, database, input, limits, now }) {
    if (input.limit > limits.emailLimit) {
      throw new Invalid(
        `Your level allows a daily e-mail limit of at most ${limits.emailLimit.toLocaleString('en-US')}.`,
      );
    }
    if (input.pinnedUntil && !input.reason) throw new Invalid('Say why the limit is pinned.');
    if (input.pinnedUntil && input.pinnedUntil <= now) throw new Invalid('A pin ends in the future.');
    // A limit set without a pin hands the database back to the nightly automatic change.
    const row = await updateDatabase(tx, database.name, {
      email_daily_limit: input.limit,
      email_limit_pinned_until: input.pinnedUntil ?? null,
      email_limit_pin_reason: input.pinnedUntil ? input.reason! : null,
    });
    return {
      email_daily_limit: row.email_daily_limit,
      ...(row.email_limit_pinned_until && { pinned_until: row.email_limit_pinned_until }),
    };
  },
});
