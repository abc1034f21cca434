import pLimit from 'p-limit';
import type { App } from '../app.js';
import { defineSchedule } from '../jobs/define.js';
import { countActiveDatabases, databasesDueForPing } from '../metabase/repositories/pings.js';
import { pingDatabase } from './ping.js';

/** Odoo's own update notification runs weekly; the platform must hear from each database as often. */
const PERIOD_MINUTES = 7 * 24 * 60;
const EVERY_MINUTES = 10;
/** Runs per period, with a margin so that every database is pinged well within 7 days. */
const RUNS_PER_PERIOD = (PERIOD_MINUTES / EVERY_MINUTES) * 0.8;

/** How many databases one run pings: the whole platform spread evenly over the week. */
export function pingBatchSize(activeDatabases: number): number {
  return Math.ceil(activeDatabases / RUNS_PER_PERIOD);
}

/** Pings the `batch` databases heard from longest ago; answers their names. */
export async function pingDueDatabases(app: App, batch: number, concurrency = 4): Promise<string[]> {
  const due = await databasesDueForPing(app.metabase, batch);
  const limit = pLimit(concurrency);
  await Promise.all(due.map((db) => limit(() => pingDatabase(app, db))));
  return due.map((db) => db.name);
}

export const pingSchedule = defineSchedule({
  name: 'ping',
  cron: `*/${EVERY_MINUTES} * * * *`,
  async run(app) {
    await pingDueDatabases(app, pingBatchSize(await countActiveDatabases(app.metabase)));
  },
});
