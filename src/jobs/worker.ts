import { Logger, makeWorkerUtils, parseCronItems, run, type Runner, type WorkerUtils } from 'graphile-worker';
import type { Pool } from 'pg';
import type { App } from '../app.js';
import { isDatabaseUnreachable } from '../errors.js';
import { requeueJob, staleRunningJobs } from '../metabase/repositories/jobs.js';
import { executeJob } from './execute-job.js';
import { JOB_TASK } from './enqueue.js';
import { schedules } from './kinds.js';

export interface Worker {
  stop(): Promise<void>;
  /** Resumes jobs whose process died (no heartbeat for `staleSeconds`). */
  sweep(): Promise<number>;
}

export interface WorkerOptions {
  pool: Pool;
  concurrency?: number;
  /** A running job with no heartbeat for this long is taken as dead and resumed. */
  staleSeconds?: number;
  sweepEveryMs?: number;
}

/**
 * graphile-worker runs the queue (locking, retries with backoff, cron); our job table holds
 * what agents see (state, step, progress) and what a resumed attempt needs.
 */
export async function startWorker(app: App, options: WorkerOptions): Promise<Worker> {
  const staleSeconds = options.staleSeconds ?? Number(process.env.DBTOOLS_JOB_STALE_SECONDS ?? 30);
  const logger = new Logger((scope) => (level, message, meta) => {
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    app.log[method]({ worker: scope, ...meta }, message);
  });
  const utils: WorkerUtils = await makeWorkerUtils({ pgPool: options.pool, logger });
  // This process's queue workers: their jobs are alive even when their heartbeats stopped
  // during an outage (executeJob waits it out), so the sweep never hands them to another worker.
  const ownWorkers = new Set<string>();
  await utils.migrate();
  const runner: Runner = await run({
    pgPool: options.pool,
    concurrency: options.concurrency ?? 2,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: {
      [JOB_TASK]: async (payload, helpers) => {
        const { jobId } = payload as { jobId: number };
        const finalAttempt = helpers.job.attempts >= helpers.job.max_attempts;
        const workerId = helpers.job.locked_by ?? 'unknown';
        ownWorkers.add(workerId);
        await executeJob(app, jobId, workerId, finalAttempt, helpers.abortSignal);
      },
      ...Object.fromEntries(schedules.map((s) => [`schedule:${s.name}`, async () => s.run(app)])),
    },
    parsedCronItems: parseCronItems(
      schedules.map((s) => ({ task: `schedule:${s.name}`, match: typeof s.cron === 'function' ? s.cron(app) : s.cron, identifier: s.name, options: { backfillPeriod: 0 } })),
    ),
    logger,
  });

  // Heartbeats stop in every process while the metabase is down: a job is judged by its
  // heartbeat only once the metabase has answered for `staleSeconds` in a row again.
  let reachableSince = 0;
  const sweep = async (): Promise<number> => {
    let stale;
    try {
      stale = await staleRunningJobs(app.metabase, staleSeconds);
    } catch (e) {
      if (!isDatabaseUnreachable(e)) throw e;
      reachableSince = Number.POSITIVE_INFINITY;
      return 0;
    }
    if (reachableSince === Number.POSITIVE_INFINITY) reachableSince = Date.now();
    if (Date.now() - reachableSince < staleSeconds * 1000) return 0;
    stale = stale.filter((j) => !j.worker_id || !ownWorkers.has(j.worker_id));
    if (!stale.length) return 0;
    const workers = [...new Set(stale.map((j) => j.worker_id).filter((w): w is string => !!w))];
    // The dead worker still holds the queue's lock on these jobs: release it so they run again.
    await utils.forceUnlockWorkers(workers);
    for (const job of stale) await requeueJob(app.metabase, job.id, 'resumed after its worker stopped');
    app.log.warn({ jobs: stale.map((j) => j.id) }, 'resuming jobs whose worker died');
    return stale.length;
  };
  await sweep();
  const timer = setInterval(() => void sweep().catch((err) => app.log.error({ err }, 'job sweep failed')), options.sweepEveryMs ?? 5_000);

  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await runner.stop();
      await utils.release();
    },
  };
}
