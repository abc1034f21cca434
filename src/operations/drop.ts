import { z } from 'zod';
import { Conflict } from '../errors.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { dropJob } from '../jobs/drop.js';
import { defineOperation } from './define.js';
import { addDays } from '../dates.js';

export const drop = defineOperation({
  name: 'drop',
  access: 'drop',
  title: 'Drop the database',
  summary: 'Puts the database in drop mode: the customer can no longer connect, and it is removed after the drop delay.',
  input: z.object({}),
  needsValidation: true,
  destructive: true,
  async run({ app, tx, database, agent, now }) {
    if (database.mode === 'paid') {
      throw new Conflict('This database is paid: it must be unlinked from its subscription before it can be dropped.');
    }
    if (database.mode === 'drop') throw new Conflict('This database is already in drop mode.');
    const expireDate = addDays(now, app.config.dropDelayDays);
    const { job } = await enqueueJob(tx, dropJob, {
      database: database.name,
      agentId: agent.id,
      payload: {
        expireDate: expireDate.toISOString(),
        previous: { mode: database.mode, expire_date: database.expire_date?.toISOString() ?? null },
      },
    });
    return { job, removalDate: expireDate };
  },
});
