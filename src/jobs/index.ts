import type { JobDefinition, Schedule } from './define.js';
import { dropJob } from './drop.js';
import { duplicateJob } from './duplicate.js';
import { reaperSchedule, removeJob } from './remove.js';

/** Job kinds: adding a long operation is adding its file and one line here. */
export const jobDefinitions: JobDefinition[] = [duplicateJob, dropJob, removeJob];

/** Recurring tasks. */
export const schedules: Schedule[] = [reaperSchedule];
