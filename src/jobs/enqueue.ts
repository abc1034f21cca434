import { Conflict } from '../errors.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { activeJobOf, insertJob, queueWorkerJob } from '../metabase/repositories/jobs.js';
import type { JobRow } from '../metabase/schema.js';
import type { JobDefinition } from './define.js';

/** The one graphile-worker task that runs every tracked job. */
export const JOB_TASK = 'dbtools-job';

export function publicJob(job: JobRow) {
  return {
    id: job.id,
    kind: job.kind,
    database: job.database_name,
    state: job.state,
    progress: job.progress,
    step: job.step,
    eta: job.eta,
    result: job.result,
    error: job.error,
    createdAt: job.created_at,
    finishedAt: job.finished_at,
  };
}

export type PublicJob = ReturnType<typeof publicJob>;

/** A running long job holds its database: the conflict names it so the agent knows what to wait for. */
export function jobHoldsDatabase(running: JobRow): Conflict {
  return new Conflict(
    `A ${running.kind} job (#${running.id}, ${running.state}${running.step ? `: ${running.step}` : ''}) is already running on this database; wait for it to finish.`,
  );
}

/** Which database a job holds (null: none) and who asked, with the payload of its kind. */
export type JobToQueue<P> = { database: string | null; agentId: number | null } & (Record<string, never> extends P
  ? { payload?: P } // a kind whose payload needs nothing (noPayload) may be queued without one
  : { payload: P });

/**
 * Queues a long job inside the caller's metabase transaction (the operation's, with its
 * support-log entry). One long job per database: a second one is refused naming the first.
 */
export async function enqueueJob<P, D extends object>(
  tx: MetabaseDb,
  def: JobDefinition<P, D>,
  job: JobToQueue<P>,
): Promise<{ job: PublicJob }> {
  // The type checks the caller's payload; the schema also checks what types cannot (formats, ranges).
  def.payload.parse(job.payload ?? {});
  if (job.database) {
    const running = await activeJobOf(tx, job.database);
    if (running) throw jobHoldsDatabase(running);
  }
  const row = await insertJob(tx, {
    kind: def.kind,
    database_name: job.database,
    agent_id: job.agentId,
    payload: job.payload ?? {},
  });
  await queueWorkerJob(tx, JOB_TASK, row.id, def.maxAttempts ?? 5);
  return { job: publicJob(row) };
}

