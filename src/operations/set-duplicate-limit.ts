import { z } from 'zod';
import { Invalid } from '../errors.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import { defineOperation } from './define.js';
import { int4Count } from './inputs.js';

export const setDuplicateLimit = defineOperation({
  name: 'set-duplicate-limit',
  access: 'duplicate_limit',
  title: 'Set the duplicates limit',
  summary: 'Sets how many test duplicates the database may have at once, up to your level’s highest.',
  input: z.object({ limit: int4Count().describe('Duplicates') }),
  async run({ tx, database, input, limits }) {
    if (limits.duplicateLimit === null || input.limit > limits.duplicateLimit) {
      throw new Invalid(
        limits.duplicateLimit === null
          ? 'Your level cannot set a duplicates limit.'
          : `Your level allows a duplicates limit of at most ${limits.duplicateLimit}.`,
      );
    }
    const row = await updateDatabase(tx, database.name, { duplicate_limit: input.limit });
    return { duplicate_limit: row.duplicate_limit };
  },
});
