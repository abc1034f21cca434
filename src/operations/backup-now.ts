import { z } from 'zod';
import { TooManyRequests } from '../errors.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { backupJob } from '../jobs/backup-jobs.js';
import { countManualBackupJobsSince } from '../metabase/repositories/backups.js';
import { defineOperation } from './define.js';

export const backupNow = defineOperation({
  name: 'backup-now',
  access: 'restore',
  title: 'Back up now',
  summary: 'Takes a manual backup of the database and its filestore (a few a day per database).',
  input: z.object({}),
  async run({ app, tx, database, agent, now }) {
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const cap = app.config.backups.manualPerDay;
    if ((await countManualBackupJobsSince(tx, database.name, dayStart)) >= cap) {
      throw new TooManyRequests(
        `This database already had ${cap} manual backups today (UTC); the limit is ${cap} a day.`,
      );
    }
    return enqueueJob(tx, backupJob, { database: database.name, agentId: agent.id });
  },
});
