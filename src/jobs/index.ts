import { pingSchedule } from '../ping/schedule.js';
import type { JobDefinition, Schedule } from './define.js';

/** Job kinds: adding a long operation is adding its file and one line here. */
export const jobDefinitions: JobDefinition[] = [];

/** Recurring tasks. */
export const schedules: Schedule[] = [pingSchedule];
