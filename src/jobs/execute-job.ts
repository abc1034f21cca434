import type { z } from 'zod';
import type { App } from '../app.js';
import { DomainError, isDatabaseUnreachable } from '../errors.js';
import {
  finishJob,
  findJob,
  heartbeatJob,
  mergeJobData,
  recordJobStep,
  requeueJob,
  startJobAttempt,
} from '../metabase/repositories/jobs.js';
import { metabaseAnswers } from '../metabase/connect.js';
import type { StepContext } from './define.js';
import { findJobDefinition } from './kinds.js';

const HEARTBEAT_MS = 2_000;

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

/**
 * Test-only: `DBTOOLS_CRASH_AT=<kind>:<step>[:after]` kills the process with SIGKILL before (or
 * right after) that step, so tests can prove a job survives a crash at any point.
 */
function crashPoint(kind: string, step: string, when: 'before' | 'after'): void {
  const at = process.env.DBTOOLS_CRASH_AT;
  if (!at) return;
  const [k, s, w = 'before'] = at.split(':');
  if (k === kind && s === step && w === when) process.kill(process.pid, 'SIGKILL');
}

function eta(startedAt: Date, progress: number): Date | null {
  if (progress <= 0 || progress >= 100) return null;
  const elapsed = Date.now() - startedAt.getTime();
  return new Date(Date.now() + (elapsed * (100 - progress)) / progress);
}

/** How long a job waits for an unreachable hosting cluster before the queue's retries take over. */
const TENANT_OUTAGE_PATIENCE_MS = 10 * 60_000;

/** Thrown out of an attempt that met an outage: nothing was recorded, the steps are re-run once it ends. */
class MetOutage extends Error {
  constructor(
    override readonly cause: unknown,
    /** The metabase itself did not answer (else only a hosting cluster did not). */
    readonly metabaseDown: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('the worker is stopping'));
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(new Error('the worker is stopping'));
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Runs one attempt of a tracked job (see runAttempt). A PostgreSQL outage (the metabase or the
 * job's hosting cluster stopped or restarting) is not a failure of the job: the attempt waits
 * until the metabase answers again and re-runs its steps from what the row says is done, so a
 * restart of PostgreSQL costs neither an attempt nor a rollback. `signal` ends the wait when the
 * worker stops (the next process resumes the job through the sweep).
 */
export async function executeJob(
  app: App,
  jobId: number,
  workerId: string,
  finalAttempt: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const since = Date.now();
  for (let wait = 500; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await runAttempt(app, jobId, workerId, finalAttempt);
    } catch (e) {
      // Also what the attempt's own bookkeeping (its first read, a requeue, a rollback) met.
      const met = e instanceof MetOutage ? e : await outage(app, e);
      if (!met) throw e;
      if (!met.metabaseDown && Date.now() - since > TENANT_OUTAGE_PATIENCE_MS) throw met.cause;
      app.log.warn({ jobId, err: met.message }, 'job paused: PostgreSQL is unreachable; it resumes when it is back');
      do await sleep(wait, signal);
      while (!(await metabaseAnswers(app.metabase)));
    }
  }
}

/** An error that says a database did not answer, or any error met while the metabase does not answer. */
async function outage(app: App, e: unknown): Promise<MetOutage | undefined> {
  const metabaseDown = !(await metabaseAnswers(app.metabase));
  if (metabaseDown || isDatabaseUnreachable(e)) return new MetOutage(e, metabaseDown);
  return undefined;
}

/**
 * One attempt: skips the steps its row says are done, records each step and its progress,
 * beats while it works. Returns normally when the job is finished (completed, or failed for
 * good and rolled back); throws to let the queue retry it, or MetOutage.
 */
async function runAttempt(app: App, jobId: number, workerId: string, finalAttempt: boolean): Promise<void> {
  const existing = await findJob(app.metabase, jobId);
  if (!existing || existing.state === 'completed' || existing.state === 'failed') return;
  const def = findJobDefinition(existing.kind);
  const parsed = def.payload.safeParse(existing.payload);
  if (!parsed.success) {
    // Nothing was started from a payload no step can read: failed for good, nothing to undo.
    await finishJob(app.metabase, jobId, {
      state: 'failed',
      error: `The job's payload is not valid for ${def.kind}: ${issuesText(parsed.error)}`,
    });
    return;
  }
  let job = await startJobAttempt(app.metabase, jobId, workerId);
  const startedAt = job.started_at ?? new Date();
  const totalWeight = def.steps.reduce((s, step) => s + step.weight, 0) || 1;
  let doneWeight = 0;
  let data: Record<string, unknown> = job.data;
  const beat = setInterval(() => void heartbeatJob(app.metabase, jobId).catch(() => undefined), HEARTBEAT_MS);
  let currentWeight = 0;
  const ctx: StepContext<unknown, Record<string, unknown>> = {
    app,
    job,
    payload: parsed.data,
    get data() {
      return data;
    },
    async save(patch) {
      data = def.data.parse(await mergeJobData(app.metabase, jobId, patch));
    },
    async progress(fraction) {
      const progress = Math.min(99, Math.floor(((doneWeight + currentWeight * Math.max(0, Math.min(1, fraction))) / totalWeight) * 100));
      await recordJobStep(app.metabase, jobId, { progress, eta: eta(startedAt, progress) });
    },
  };
  try {
    // Its own steps wrote it; a row they cannot read fails like any step would (retried, then
    // rolled back), so a bad release never leaves a half-made database without its rollback.
    data = def.data.parse(data);
    const done = new Set(job.done_steps);
    for (const step of def.steps) {
      if (done.has(step.name)) {
        doneWeight += step.weight;
        continue;
      }
      currentWeight = step.weight;
      await recordJobStep(app.metabase, jobId, { step: step.name, progress: Math.floor((doneWeight / totalWeight) * 100) });
      crashPoint(def.kind, step.name, 'before');
      await step.run(ctx);
      crashPoint(def.kind, step.name, 'after');
      done.add(step.name);
      doneWeight += step.weight;
      const progress = Math.min(99, Math.floor((doneWeight / totalWeight) * 100));
      await recordJobStep(app.metabase, jobId, { done_steps: [...done], progress, eta: eta(startedAt, progress) });
    }
    job = (await findJob(app.metabase, jobId)) ?? job;
    const result = def.result ? await def.result({ ...ctx, job }) : data;
    await finishJob(app.metabase, jobId, { state: 'completed', result });
  } catch (e) {
    const met = await outage(app, e);
    if (met) throw met;
    const message = e instanceof Error ? e.message : String(e);
    // A domain error (a rule refused) will not pass on a retry; anything else may be transient.
    if (e instanceof DomainError || finalAttempt) {
      app.log.warn({ err: e, jobId, kind: def.kind }, 'job failed; rolling back');
      await def.rollback?.(ctx, e);
      await finishJob(app.metabase, jobId, { state: 'failed', error: message });
      return;
    }
    app.log.warn({ err: e, jobId, kind: def.kind }, 'job attempt failed; it will be retried');
    await requeueJob(app.metabase, jobId, message);
    throw e;
  } finally {
    clearInterval(beat);
  }
}
