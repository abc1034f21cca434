import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Conflict, Invalid } from '../errors.js';
import { databaseExists } from '../hosting/database-copy.js';
import { tenantNameProblem } from '../hosting/database-name.js';
import { DUPLICATE_LIFETIME_MS } from '../jobs/duplicate.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { databaseNamesLike, findDatabase, insertDatabases } from '../metabase/repositories/databases.js';
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
    let name = input.name;
    if (name !== undefined) {
      const problem = tenantNameProblem(name);
      if (problem) throw new Invalid(problem);
      if (await findDatabase(tx, name)) throw new Conflict(`The name ${name} is already taken.`);
    } else {
      name = defaultName(database.name, await databaseNamesLike(tx, `${database.name.slice(0, 55)}-dup-`));
    }
    const target = name;
    if (await app.tenants.withCluster(database.server_id, (admin) => databaseExists(admin, target))) {
      throw new Conflict(`A database named ${target} already exists on the server.`);
    }
    // The copy's row is reserved with the job, in this transaction: nothing can be orphaned.
    await insertDatabases(tx, [
      {
        name: target,
        uuid: randomUUID(),
        mode: 'trial',
        extra_apps: database.extra_apps,
        status: 'open',
        expire_date: new Date(now.getTime() + DUPLICATE_LIFETIME_MS),
        version: database.version,
        subcode: null,
        server_id: database.server_id,
        create_date: now,
        duplicate_of: database.name,
        secure: database.secure,
        email_daily_count: 0,
        email_daily_limit: 20,
        ext_email_daily_count: 0,
        email_total_count: 0,
        duplicate_limit: 0,
        state: 'creating',
      },
    ]);
    const { job } = await enqueueJob(tx, {
      kind: 'duplicate',
      database: database.name,
      agentId: agent.id,
      payload: { source: database.name, target },
    });
    return { job, name: target };
  },
});
