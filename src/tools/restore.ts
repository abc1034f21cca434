import { listReadyBackups } from '../metabase/repositories/backups.js';
import { countManualBackupJobsSince } from '../metabase/repositories/backups.js';
import { defineTool } from './define.js';

/** `tools.restore`: the database's backups, newest first, and today's manual-backup allowance. */
export const restoreTool = defineTool({
  key: 'restore',
  async model({ app, database, now, agent }) {
    const backups = await listReadyBackups(app.metabase, database.name);
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const manualToday = await countManualBackupJobsSince(app.metabase, database.name, dayStart);
    return {
      backups: backups.map((b) => ({ id: b.id, takenAt: b.taken_at, kind: b.kind, size: b.size })),
      manualToday,
      manualLimit: app.config.backups.manualPerDay,
      /** A dropped or removed database is restored only by levels allowed `restore_dropped`. */
      canRestore:
        database.state === 'active' && database.mode !== 'drop'
          ? true
          : app.policy.allows(agent.level, 'restore_dropped'),
    };
  },
});
