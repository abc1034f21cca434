import { activeJobOf } from '../metabase/repositories/jobs.js';
import { databasesNeedingBackup } from '../metabase/repositories/backups.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { automaticKind, takeBackup } from '../hosting/backup-take.js';
import { NotFound } from '../errors.js';
import { z } from 'zod';
import { defineJob, noPayload, stepData } from './define.js';

/** A backup taken on request (`backup-now`), on the database's job slot. */
export const backupJob = defineJob({
  kind: 'backup',
  label: 'Backup',
  payload: noPayload,
  // Also the job's result.
  data: stepData({ backup: z.number(), size: z.number().nullable(), takenAt: z.string() }),
  steps: [
    {
      name: 'backup',
      label: 'Backing up the database and its files',
      weight: 1,
      async run({ app, job, save }) {
        const database = await findDatabase(app.metabase, job.database_name!);
        if (!database || database.state !== 'active')
          throw new NotFound(`The database ${job.database_name} no longer exists.`);
        const backup = await takeBackup(app, database, {
          kind: 'manual',
          jobId: job.id,
          agentId: job.agent_id,
        });
        await save({ backup: backup.id, size: backup.size, takenAt: backup.taken_at.toISOString() });
      },
    },
  ],
});

/** Automatic backups run when no ready backup is younger than this (a daily schedule, with slack). */
const FRESH_HOURS = 20;

/**
 * The automatic run: every active database without a recent backup, a few at a time. A
 * database busy with its own long job (a restore...) is skipped; the next run takes it.
 * Resumable: a database finished before a crash has its backup and drops out of the list.
 */
export const backupAllJob = defineJob({
  kind: 'backup-all',
  label: 'Automatic backups',
  payload: noPayload,
  // Also the job's result; `skipped` carries over to a resumed attempt.
  data: stepData({ skipped: z.array(z.string()), failed: z.array(z.string()), backedUp: z.number() }),
  maxAttempts: 3,
  steps: [
    {
      name: 'backups',
      label: 'Backing up every database due',
      weight: 1,
      async run({ app, job, data, save, progress }) {
        const since = new Date(app.now().getTime() - FRESH_HOURS * 3_600_000);
        const skipped = new Set(data.skipped ?? []);
        const todo = (await databasesNeedingBackup(app.metabase, since)).filter((d) => !skipped.has(d.name));
        let done = 0;
        let backedUp = 0;
        let next = 0;
        const failed: string[] = [];
        const worker = async () => {
          while (next < todo.length) {
            const { name } = todo[next++];
            try {
              const database = await findDatabase(app.metabase, name);
              if (!database || database.state !== 'active' || (await activeJobOf(app.metabase, name))) {
                skipped.add(name);
              } else {
                const kind = await automaticKind(app, name, app.now());
                await takeBackup(app, database, { kind, jobId: job.id, agentId: null });
                backedUp++;
              }
            } catch (err) {
              app.log.warn({ err, database: name }, 'automatic backup failed');
              failed.push(name);
              skipped.add(name);
            }
            done++;
            await progress(done / todo.length);
          }
        };
        await Promise.all([worker(), worker()]);
        await save({ skipped: [...skipped], failed, backedUp });
      },
    },
  ],
});
