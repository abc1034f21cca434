import { z } from 'zod';
import type { App } from '../app.js';
import type { JobRow } from '../metabase/schema.js';

export interface StepContext<P = unknown, D extends object = StepDataOf<typeof noStepData>> {
  app: App;
  job: JobRow;
  /** The job's payload, parsed once with its kind's schema before the first step runs. */
  payload: P;
  /** What earlier steps (of this attempt or of a crashed one) recorded, read with the kind's `data` schema. */
  data: D;
  /** Records facts for later steps and for a resumed attempt, before the step goes on. */
  save(patch: Partial<D>): Promise<void>;
  /** Reports how far the current step is, 0 to 1. */
  progress(fraction: number): Promise<void>;
}

export interface JobStep<P = unknown, D extends object = StepDataOf<typeof noStepData>> {
  /** Recorded in the job's row (done_steps, step) and named by DBTOOLS_CRASH_AT: never renamed lightly. */
  name: string;
  /** The step in the agent's words, shown as the job's current step. */
  label: string;
  /** Share of the job's duration, for the progress bar. */
  weight: number;
  /** Must be idempotent: after a crash it runs again and finds its work done or finishes it. */
  run(ctx: StepContext<P, D>): Promise<void>;
}

/**
 * A long operation as named, idempotent steps. A job that dies is resumed from the steps its
 * row says are done; one that fails for good runs `rollback`, which must be idempotent too.
 */
export interface JobDefinition<P = unknown, D extends object = StepDataOf<typeof noStepData>> {
  kind: string;
  /** The kind in the agent's words. */
  label: string;
  /** The payload's schema: checked when the job is queued, parsed once when an attempt starts. */
  payload: z.ZodType<P>;
  /** What the steps record (`save`) for later steps and resumed attempts: made with `stepData`. */
  data: z.ZodType<D>;
  steps: JobStep<P, D>[];
  /** Attempts before the job is failed for good (transient errors: cluster restarting...). */
  maxAttempts?: number;
  result?(ctx: StepContext<P, D>): Promise<unknown> | unknown;
  rollback?(ctx: StepContext<P, D>, error: unknown): Promise<void>;
}

/**
 * A job kind of any payload, as the registry and the runner hold it; the runner parses the
 * payload with the kind's own schema, so each kind's steps see their own type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- payload and data types differ per kind; each is checked where its job is defined
export type AnyJobDefinition = JobDefinition<any, any>;

export function defineJob<P, D extends object>(def: JobDefinition<P, D>): JobDefinition<P, D> {
  return def;
}

/** Jobs whose facts all live in their row (database_name) and the metabase. */
export const noPayload = z.object({}).passthrough();

/**
 * The schema of a kind's step data. Every key is optional (the step that records it may not
 * have run yet) and keys it does not name are kept: a job whose result is its data shows all
 * of it, and an attempt resumed by a newer release still reads what an older one recorded.
 */
export function stepData<S extends z.ZodRawShape>(shape: S) {
  return z.looseObject(shape).partial();
}

export type StepDataOf<S extends z.ZodType> = z.output<S>;

/** Jobs whose steps record nothing for each other. */
export const noStepData = stepData({});

/**
 * A recurring task (reaper, backups, pings), on graphile-worker's cron. Its runs are not
 * tracked as jobs of a database: each does its own small, idempotent unit of work.
 */
export interface Schedule {
  name: string;
  /** Crontab time fields, e.g. `* * * * *` (every minute); a function reads it from the configuration. */
  cron: string | ((app: App) => string);
  run(app: App): Promise<void>;
}

export function defineSchedule(s: Schedule): Schedule {
  return s;
}
