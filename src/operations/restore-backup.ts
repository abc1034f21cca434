import { z } from 'zod';
import { Conflict, Invalid, NotAllowed, NotFound } from '../errors.js';
import { tenantNameProblem } from '../hosting/database-name.js';
import { databaseExists } from '../hosting/restore-cluster.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { findBackup } from '../metabase/repositories/backups.js';
import { findDatabase, listDuplicates } from '../metabase/repositories/databases.js';
import { defineOperation } from './define.js';

export const restoreBackup = defineOperation({
  name: 'restore-backup',
  access: 'restore',
  title: 'Restore a backup',
  summary:
    'Restores one of the database’s backups in place (after a safety backup; the switch is instant) or into a new test database.',
  input: z.object({
    backup: z.coerce.number().int().min(1).describe('Backup'),
    target: z.string().trim().min(1).max(63).optional().describe('New database name (empty: in place)'),
  }),
  allowedWhenRemoved: true,
  destructive: true,
  async run({ app, tx, database, agent, input }) {
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
      const problem = tenantNameProblem(target);
      if (problem) throw new Invalid(problem);
      if (await findDatabase(tx, target)) throw new Conflict(`A database named ${target} already exists.`);
      if (await app.tenants.withCluster(database.server_id, (admin) => databaseExists(admin, target))) {
        throw new Conflict(`A database named ${target} already exists on the hosting cluster.`);
      }
      const duplicates = await listDuplicates(tx, database.name);
      if (duplicates.length >= database.duplicate_limit) {
        throw new Conflict(
          `${database.name} already has ${duplicates.length} duplicates (its limit is ${database.duplicate_limit}); drop one or raise the limit.`,
        );
      }
    }
    return enqueueJob(tx, {
      kind: 'restore-backup',
      database: database.name,
      agentId: agent.id,
      payload: { backup: backup.id, ...(target ? { target } : {}) },
    });
  },
});
