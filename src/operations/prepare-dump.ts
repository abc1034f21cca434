import { z } from 'zod';
import { Invalid } from '../errors.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { prepareDumpJob } from '../jobs/dump-job.js';
import { insertDump, updateDump } from '../metabase/repositories/dumps.js';
import { defineOperation } from './define.js';

export const prepareDump = defineOperation({
  name: 'prepare-dump',
  access: 'dump',
  title: 'Prepare a dump',
  summary: 'Builds a zip in Odoo’s database manager format and e-mails a download link that expires.',
  input: z.object({
    email: z.string().trim().max(254).optional().describe('Send the link to (default: you)'),
  }),
  async run({ tx, database, agent, input }) {
    // Agents have no address of their own in the metabase yet: their login at the console's domain.
    const email = input.email || (agent.login.includes('@') ? agent.login : `${agent.login}@dbtools.local`);
    if (!z.email().safeParse(email).success) {
      throw new Invalid(`"${email}" is not an e-mail address.`);
    }
    const dump = await insertDump(tx, { database_name: database.name, email, agent_id: agent.id });
    const queued = await enqueueJob(tx, prepareDumpJob, {
      database: database.name,
      agentId: agent.id,
      payload: { dump: dump.id },
    });
    await updateDump(tx, dump.id, { job_id: queued.job.id });
    return queued;
  },
});
