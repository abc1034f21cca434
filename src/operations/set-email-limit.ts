import { z } from 'zod';
import { Invalid } from '../errors.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import { defineOperation } from './define.js';
import { int4Count } from './inputs.js';

export const setEmailLimit = defineOperation({
  name: 'set-email-limit',
  access: 'email_limit',
  title: 'Set the daily e-mail limit',
  summary: 'Sets how many e-mails the database may send a day through the platform, up to your level’s highest.',
  input: z.object({ limit: int4Count().describe('E-mails a day') }),
  async run({ tx, database, input, limits }) {
    if (input.limit > limits.emailLimit) {
      throw new Invalid(`Your level allows a daily e-mail limit of at most ${limits.emailLimit.toLocaleString('en-US')}.`);
    }
    const row = await updateDatabase(tx, database.name, { email_daily_limit: input.limit });
    return { email_daily_limit: row.email_daily_limit };
  },
});
