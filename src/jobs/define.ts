import type { App } from '../app.js';
import type { JobRow } from '../metabase/schema.js';

export interface StepContext {
  app: App;
  job: JobRow;
  payload: Record<string, unknown>;
  /** What earlier steps (of this attempt or of a crashed one) recorded. */
  data: Record<string, unknown>;
  /** Records facts for later steps and for a resumed attempt, before the step goes on. */
  save(patch: Record<string, unknown>): Promise<void>;
  /** Reports how far the current step is, 0 to 1. */
  progress(fraction: number): Promise<void>;
}

export interface JobStep {
  /** Shown to the agent as the current step. */
  name: string;
  /** Share of the job's duration, for the progress bar. */
  weight: number;
  /** Must be idempotent: after a crash it runs again and finds its work done or finishes it. */
  run(ctx: StepContext): Promise<void>;
}

/**
 * A long operation as named, idempotent steps. A job that dies is resumed from the steps its
 * row says are done; one that fails for good runs `rollback`, which must be idempotent too.
 */
export interface JobDefinition {
  kind: string;
  steps: JobStep[];
  /** Attempts before the job is failed for good (transient errors: cluster restarting...). */
  maxAttempts?: number;
  result?(ctx: StepContext): Promise<unknown> | unknown;
  rollback?(ctx: StepContext, error: unknown): Promise<void>;
}

export function defineJob(def: JobDefinition): JobDefinition {
  return def;
}

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
