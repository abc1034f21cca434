import { rm } from 'node:fs/promises';
import type { App } from '../app.js';
import { DomainError } from '../errors.js';
import { databasesToReap, lockDatabase } from '../metabase/repositories/databases.js';
import { dueMoveRollbackCopies, markMoveRollbackCopyRemoved } from '../metabase/repositories/move-rollback-copies.js';
import { dropScratchDatabase } from '../provisioning/scratch.js';
import { defineSchedule } from './define.js';
import { enqueueJob } from './enqueue.js';
import { isReapable, removeJob } from './remove.js';

/**
 * Queues a removal job for each database due (each in its own transaction, the row locked
 * and re-checked): a database with a job already running is left for the next minute.
 */
export async function reapExpiredDatabases(app: App): Promise<string[]> {
  const due = await databasesToReap(app.metabase, app.now());
  const queued: string[] = [];
  for (const candidate of due) {
    try {
      await app.metabase.transaction().execute(async (tx) => {
        const db = await lockDatabase(tx, candidate.name);
        if (!db || !isReapable(db, app.now())) return;
        await enqueueJob(tx, removeJob, { database: db.name, agentId: null });
        queued.push(db.name);
      });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
  }
  if (queued.length) app.log.info({ databases: queued }, 'reaper queued removals');
  return queued;
}

/**
 * Removes the rollback copies of moved databases whose keeping time is over: the scratch
 * database on the old server, then its folder, then the record. Each part is idempotent, so a
 * crash in between is finished by the next run; a copy whose server does not answer waits.
 */
export async function reapMoveRollbackCopies(app: App): Promise<string[]> {
  const due = await dueMoveRollbackCopies(app.metabase, app.now());
  const removed: string[] = [];
  for (const copy of due) {
    try {
      await dropScratchDatabase(app, copy.server_id, copy.copy_name);
      await rm(copy.filestore_path, { recursive: true, force: true });
      await markMoveRollbackCopyRemoved(app.metabase, copy.id, app.now());
      removed.push(copy.copy_name);
    } catch (e) {
      app.log.warn({ err: e, copy: copy.copy_name, database: copy.database_name }, 'reaper: a move rollback copy could not be removed yet');
    }
  }
  if (removed.length) app.log.info({ copies: removed }, 'reaper removed move rollback copies');
  return removed;
}

export const reaperSchedule = defineSchedule({
  name: 'reaper',
  cron: '* * * * *',
  run: async (app) => {
    await reapExpiredDatabases(app);
    await reapMoveRollbackCopies(app);
  },
});
