import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Conflict } from '../errors.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { duplicateJob } from '../jobs/duplicate.js';
import { databaseNamesLike } from '../metabase/repositories/databases.js';
import { claimNewDatabase } from '../provisioning/claim.js';
import { testCopyRow } from '../provisioning/copy-rules.js';
import { defineOperation } from './define.js';
import { duplicateAllowance } from './duplicate-allowance.js';

/** `<source>-dup-<n>`, the first n never used (removed duplicates keep their names as history). */
function defaultName(source: string, taken: string[]): string {
  const base = source.slice(0, 63 - '-dup-999'.length);
  for (let n = 1; ; n++) {
    const name = `${base}-dup-${n}`;
    if (!taken.includes(name)) return name;
  }
}

export const duplicate = defineOperation({
  name: 'duplicate',
  access: 'duplicate',
  title: 'Duplicate for testing',
  summary: 'Copies the database and its filestore into a neutralized test copy that lives 4 hours.',
  input: z.object({ name: z.string().trim().min(1).max(63).optional().describe('Name of the copy (optional)') }),
  async run({ app, tx, database, agent, input, now }) {
    const allowance = await duplicateAllowance(app, tx, database);
    if (!allowance.possible) throw new Conflict(allowance.reason!);
    const name =
      input.name ?? defaultName(database.name, await databaseNamesLike(tx, `${database.name.slice(0, 55)}-dup-`));
    // The copy's row is reserved with the job, in this transaction: nothing can be orphaned.
    await claimNewDatabase(app, tx, testCopyRow(database, { name, uuid: randomUUID(), now }));
    const target = name;
    const { job } = await enqueueJob(tx, duplicateJob, {
      database: database.name,
      agentId: agent.id,
      payload: { source: database.name, target },
    });
    return { job, name: target };
  },
});
