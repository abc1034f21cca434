import { sql, type Kysely } from 'kysely';
import type { JobRow, JobState, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export function findJob(db: Db, id: number): Promise<JobRow | undefined> {
  return db.selectFrom('job').selectAll().where('id', '=', id).executeTakeFirst();
}

export function activeJobOf(db: Db, database: string): Promise<JobRow | undefined> {
  return db
    .selectFrom('job')
    .selectAll()
    .where('database_name', '=', database)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
}

/** The platform-wide job of a kind (no database) that is queued or running, if any. */
export function activePlatformJob(db: Db, kind: string): Promise<JobRow | undefined> {
  return db
    .selectFrom('job')
    .selectAll()
    .where('kind', '=', kind)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
}

/** Serializes callers that check-then-queue a platform-wide job, until the transaction ends. */
export async function lockPlatformJobKind(tx: Db, kind: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${'dbtools:' + kind}))`.execute(tx);
}

/** Values of one payload field over the queued or running jobs of a kind. */
export async function activeJobPayloadValues(db: Db, kind: string, field: string): Promise<string[]> {
  const rows = await db
    .selectFrom('job')
    .select(sql<string>`payload->>${field}`.as('value'))
    .where('kind', '=', kind)
    .where('state', 'in', ['queued', 'running'])
    .execute();
  return rows.map((r) => r.value);
}

export async function insertJob(
  db: Db,
  job: {
    kind: string;
    database_name: string | null;
    agent_id: number | null;
    payload: Record<string, unknown>;
  },
): Promise<JobRow> {
  return db
    .insertInto('job')
    .values({ ...job, payload: JSON.stringify(job.payload) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Hands the job to graphile-worker in the caller's transaction: both commit or neither does. */
export async function queueWorkerJob(
  db: Db,
  task: string,
  jobId: number,
  maxAttempts: number,
): Promise<void> {
  await sql`SELECT graphile_worker.add_job(identifier => ${task}, payload => ${JSON.stringify({ jobId })}::json,
    max_attempts => ${maxAttempts}, job_key => ${`dbtools-job-${jobId}`})`.execute(db);
}

export async function startJobAttempt(db: Db, id: number, workerId: string): Promise<JobRow> {
  return db
    .updateTable('job')
    .set((eb) => ({
      state: 'running',
      worker_id: workerId,
      heartbeat_at: new Date(),
      attempts: eb('attempts', '+', 1),
      started_at: eb.fn.coalesce('started_at', sql<Date>`now()`),
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function recordJobStep(
  db: Db,
  id: number,
  changes: { step?: string | null; progress?: number; eta?: Date | null; done_steps?: string[] },
): Promise<void> {
  await db
    .updateTable('job')
    .set({ ...changes, heartbeat_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export async function mergeJobData(
  db: Db,
  id: number,
  patch: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const row = await db
    .updateTable('job')
    .set({ data: sql`data || ${JSON.stringify(patch)}::jsonb` as never })
    .where('id', '=', id)
    .returning('data')
    .executeTakeFirstOrThrow();
  return row.data;
}

export async function heartbeatJob(db: Db, id: number): Promise<void> {
  await db.updateTable('job').set({ heartbeat_at: new Date() }).where('id', '=', id).execute();
}

export async function finishJob(
  db: Db,
  id: number,
  outcome: { state: Extract<JobState, 'completed' | 'failed'>; result?: unknown; error?: string },
): Promise<void> {
  await db
    .updateTable('job')
    .set({
      state: outcome.state,
      result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
      error: outcome.error ?? null,
      progress: outcome.state === 'completed' ? 100 : undefined,
      step: null,
      eta: null,
      finished_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

export async function requeueJob(db: Db, id: number, error: string): Promise<void> {
  await db.updateTable('job').set({ state: 'queued', error, worker_id: null }).where('id', '=', id).execute();
}

/** Running jobs whose worker stopped beating: their process died. */
export async function staleRunningJobs(db: Db, staleSeconds: number): Promise<JobRow[]> {
  return db
    .selectFrom('job')
    .selectAll()
    .where('state', '=', 'running')
    .where('heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)
    .execute();
}

/** The database's newest completed job of a kind (the Tools page shows its result). */
export function lastCompletedJobOf(db: Db, database: string, kind: string): Promise<JobRow | undefined> {
  return db
    .selectFrom('job')
    .selectAll()
    .where('database_name', '=', database)
    .where('kind', '=', kind)
    .where('state', '=', 'completed')
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
