import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Conflict, NotAllowed, NotFound } from '../errors.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { restoreBackupJob } from '../jobs/restore-job.js';
import { findBackup } from '../metabase/repositories/backups.js';
import { claimNewDatabase } from '../provisioning/claim.js';
import { duplicatesWeight, testCopyRow } from '../provisioning/copy-rules.js';
import { defineOperation } from './define.js';
import { bigintId } from './inputs.js';

export const restoreBackup = defineOperation({
  name: 'restore-backup',
  access: 'restore',
  title: 'Restore a backup',
  summary:
    'Restores one of the database’s backups in place (after a safety backup; the switch is instant) or into a new test database.',
  input: z.object({
    backup: bigintId().describe('Backup'),
    target: z.string().trim().min(1).max(63).optional().describe('New database name (empty: in place)'),
  }),
  allowedWhenRemoved: true,
  destructive: true,
  async run({ app, tx, database, agent, input, now }) {
    const backup = await findBackup(tx, input.backup);
    if (!backup || backup.database_name !== database.name || backup.state !== 'ready') {
      throw new NotFound(`${database.name} has no backup #${input.backup} ready to restore.`);
    }
    if (
      (database.state === 'removed' || database.mode === 'drop') &&
      !app.policy.allows(agent.level, 'restore_dropped')
    ) {
      throw new NotAllowed(
        `Restoring a dropped database needs the ${app.policy.levelName(app.policy.minimumLevel('restore_dropped'))} level.`,
      );
    }
    const target = input.target?.toLowerCase();
    if (target) {
      const { weightUsed } = await duplicatesWeight(app, tx, database.name);
      if (weightUsed >= database.duplicate_limit) {
        throw new Conflict(
          `${database.name} already uses ${weightUsed} of its ${database.duplicate_limit} duplicates (a dropped duplicate counts ${app.config.duplicateDropWeight}); drop one or raise the limit.`,
        );
      }
      // The new database's row is reserved with the job, as for a duplicate.
      await claimNewDatabase(app, tx, testCopyRow(database, { name: target, uuid: randomUUID(), now, version: backup.version }));
    }
    return enqueueJob(tx, restoreBackupJob, {
      database: database.name,
      agentId: agent.id,
      payload: { backup: backup.id, ...(target ? { target } : {}) },
    });
  },
});
