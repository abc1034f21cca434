import type { App } from '../app.js';
import { DomainError } from '../errors.js';
import {
  finishJob,
  findJob,
  heartbeatJob,
  mergeJobData,
  recordJobStep,
  requeueJob,
  startJobAttempt,
} from '../metabase/repositories/jobs.js';
import type { StepContext } from './define.js';
import { findJobDefinition } from './registry.js';

const HEARTBEAT_MS = 2_000;

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

/**
 * Runs one attempt of a tracked job: skips the steps its row says are done, records each
 * step and its progress, beats while it works. Returns normally when the job is finished
 * (completed, or failed for good and rolled back); throws to let the queue retry it.
 */
export async function executeJob(app: App, jobId: number, workerId: string, finalAttempt: boolean): Promise<void> {
  const existing = await findJob(app.metabase, jobId);
  if (!existing || existing.state === 'completed' || existing.state === 'failed') return;
  const def = findJobDefinition(existing.kind);
  const parsed = def.payload.safeParse(existing.payload);
  if (!parsed.success) {
    // Nothing was started from a payload no step can read: failed for good, nothing to undo.
    await finishJob(app.metabase, jobId, {
      state: 'failed',
      error: `The job's payload is not valid for ${def.kind}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
    return;
  }
  let job = await startJobAttempt(app.metabase, jobId, workerId);
  const startedAt = job.started_at ?? new Date();
  const totalWeight = def.steps.reduce((s, step) => s + step.weight, 0) || 1;
  let doneWeight = 0;
  let data = job.data;
  const beat = setInterval(() => void heartbeatJob(app.metabase, jobId).catch(() => undefined), HEARTBEAT_MS);
  let currentWeight = 0;
  const ctx: StepContext = {
    app,
    job,
    payload: parsed.data,
    get data() {
      return data;
    },
    async save(patch) {
      data = await mergeJobData(app.metabase, jobId, patch);
    },
    async progress(fraction) {
      const progress = Math.min(99, Math.floor(((doneWeight + currentWeight * Math.max(0, Math.min(1, fraction))) / totalWeight) * 100));
      await recordJobStep(app.metabase, jobId, { progress, eta: eta(startedAt, progress) });
    },
  };
  try {
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
