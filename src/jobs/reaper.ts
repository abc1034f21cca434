import type { App } from '../app.js';
import { DomainError } from '../errors.js';
import { databasesToReap, lockDatabase } from '../metabase/repositories/databases.js';
import { enqueueJob } from './enqueue.js';
import { isReapable } from './remove.js';

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
        await enqueueJob(tx, { kind: 'remove', database: db.name, agentId: null });
        queued.push(db.name);
      });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
  }
  if (queued.length) app.log.info({ databases: queued }, 'reaper queued removals');
  return queued;
}
