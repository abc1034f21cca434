import { rm } from 'node:fs/promises';
import type { App } from '../app.js';
import { pruneAllBackups } from '../hosting/backup-retention.js';
import { databasesNeedingBackup } from '../metabase/repositories/backups.js';
import { expiredDumps, updateDump } from '../metabase/repositories/dumps.js';
import { activePlatformJob, lockPlatformJobKind } from '../metabase/repositories/jobs.js';
import { defineSchedule } from './define.js';
import { backupAllJob } from './backup-jobs.js';
import { enqueueJob } from './enqueue.js';

const FRESH_HOURS = 20;

/**
 * Queues the automatic backup run unless one is already queued or running or every database
 * has a recent backup. Called by the schedule and at start, so a new platform (the demo) has
 * a backup of every database soon after its first start, without making the start wait.
 */
export async function kickOffBackups(app: App): Promise<number | null> {
  const since = new Date(app.now().getTime() - FRESH_HOURS * 3_600_000);
  if (!(await databasesNeedingBackup(app.metabase, since)).length) return null;
  return app.metabase.transaction().execute(async (tx) => {
    await lockPlatformJobKind(tx, backupAllJob.kind);
    const running = await activePlatformJob(tx, backupAllJob.kind);
    if (running) return running.id;
    const { job } = await enqueueJob(tx, backupAllJob, { database: null, agentId: null });
    return job.id;
  });
}

export const automaticBackups = defineSchedule({
  name: 'automatic-backups',
  cron: (app) => app.config.backups.cron,
  run: async (app) => {
    await kickOffBackups(app);
  },
});

/** Hourly: retention over every database's backups (removed ones too), expired dump files. */
export const backupHousekeeping = defineSchedule({
  name: 'backup-housekeeping',
  cron: '17 * * * *',
  run: async (app) => {
    await pruneAllBackups(app);
    for (const dump of await expiredDumps(app.metabase, app.now())) {
      if (dump.path) await rm(dump.path, { force: true });
      await updateDump(app.metabase, dump.id, { state: 'expired' });
    }
  },
});
