import { logRotationSchedule } from '../logs/schedule.js';
import { pingSchedule } from '../ping/schedule.js';
import { emailAutoRaiseSchedule } from '../mail/relay/auto-raise.js';
import type { AnyJobDefinition, Schedule } from './define.js';
import { backupAllJob, backupJob } from './backup-jobs.js';
import { automaticBackups, backupHousekeeping } from './backup-schedules.js';
import { prepareDumpJob } from './dump-job.js';
import { importDumpJob } from './import-job.js';
import { restoreBackupJob } from './restore-job.js';
import { certificateJob } from './certificate.js';
import { domainSchedule } from '../domains/schedule.js';
import { upgradeJob } from '../upgrades/pipeline.js';
import { rollingReleaseSchedule } from '../upgrades/rolling-release.js';
import { auditHeadSchedule } from '../audit/schedule.js';

import { dropJob } from './drop.js';
import { duplicateJob } from './duplicate.js';
import { moveDatabaseJob } from './move-database.js';
import { reaperSchedule } from './reaper.js';
import { removeJob } from './remove.js';

/**
 * Job kinds, read by the worker (by kind, from a job's row): adding a long operation is adding its
 * file and one line here. Who queues a job names its definition (enqueueJob), not this list.
 */
export const jobDefinitions: AnyJobDefinition[] = [
  duplicateJob,
  dropJob,
  removeJob,
  backupJob,
  backupAllJob,
  restoreBackupJob,
  prepareDumpJob,
  importDumpJob,
  moveDatabaseJob,
  certificateJob,
  upgradeJob,
];

/** Recurring tasks. */
export const schedules: Schedule[] = [
  reaperSchedule,
  pingSchedule,
  automaticBackups,
  backupHousekeeping,
  logRotationSchedule,
  emailAutoRaiseSchedule,
  domainSchedule,
  rollingReleaseSchedule,
  auditHeadSchedule,
];

export function findJobDefinition(kind: string): AnyJobDefinition {
  const def = jobDefinitions.find((d) => d.kind === kind);
  if (!def) throw new Error(`No job definition for kind "${kind}"`);
  return def;
}

/** Each kind and its steps in the agent's words, as the console shows a job (GET /api/job-kinds). */
export type JobKindTexts = Record<string, { label: string; steps: Record<string, string> }>;

export function jobKindTexts(): JobKindTexts {
  return Object.fromEntries(
    jobDefinitions.map((d) => [d.kind, { label: d.label, steps: Object.fromEntries(d.steps.map((s) => [s.name, s.label])) }]),
  );
}
