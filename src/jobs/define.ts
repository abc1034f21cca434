import { z } from 'zod';
import type { App } from '../app.js';
import type { JobRow } from '../metabase/schema.js';

export interface StepContext<P = unknown> {
  app: App;
  job: JobRow;
  /** The job's payload, parsed once with its kind's schema before the first step runs. */
  payload: P;
  /** What earlier steps (of this attempt or of a crashed one) recorded. */
  data: Record<string, unknown>;
  /** Records facts for later steps and for a resumed attempt, before the step goes on. */
  save(patch: Record<string, unknown>): Promise<void>;
  /** Reports how far the current step is, 0 to 1. */
  progress(fraction: number): Promise<void>;
}

export interface JobStep<P = unknown> {
  /** Shown to the agent as the current step. */
  name: string;
  /** Share of the job's duration, for the progress bar. */
  weight: number;
  /** Must be idempotent: after a crash it runs again and finds its work done or finishes it. */
  run(ctx: StepContext<P>): Promise<void>;
}

/**
 * A long operation as named, idempotent steps. A job that dies is resumed from the steps its
 * row says are done; one that fails for good runs `rollback`, which must be idempotent too.
 */
export interface JobDefinition<P = unknown> {
  kind: string;
  /** The payload's schema: checked when the job is queued, parsed once when an attempt starts. */
  payload: z.ZodType<P>;
  steps: JobStep<P>[];
  /** Attempts before the job is failed for good (transient errors: cluster restarting...). */
  maxAttempts?: number;
  result?(ctx: StepContext<P>): Promise<unknown> | unknown;
  rollback?(ctx: StepContext<P>, error: unknown): Promise<void>;
}

/**
 * A job kind of any payload, as the registry and the runner hold it; the runner parses the
 * payload with the kind's own schema, so each kind's steps see their own type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- payload types differ per kind; each is checked where its job is defined
export type AnyJobDefinition = JobDefinition<any>;

export function defineJob<P>(def: JobDefinition<P>): JobDefinition<P> {
  return def;
}

/** Jobs whose facts all live in their row (database_name) and the metabase. */
export const noPayload = z.object({}).passthrough();

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
