import type { App } from '../app.js';
import { defineSchedule } from '../jobs/define.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { upgradeJob } from './pipeline.js';
import { lockDatabase } from '../metabase/repositories/databases.js';
import { activeJobOf } from '../metabase/repositories/jobs.js';
import {
  insertUpgradeRequest,
  lockUpgradeRequest,
  queuedRollingReleases,
  rollingReleaseCandidates,
  runningRollingReleasesByServer,
  updateUpgradeRequest,
} from '../metabase/repositories/upgrade-requests.js';
import { rollingReleaseTarget } from './catalog.js';

/** A rolling release is requested at most once per database in this many hours (one night). */
const ONCE_A_NIGHT_HOURS = 20;

/** Whether `now` is inside the night window (UTC hours; a window may wrap past midnight). */
export function inNightWindow(app: App, now: Date): boolean {
  const { startHour, endHour } = app.config.upgrades.nightWindow;
  const h = now.getUTCHours();
  return startHour <= endHour ? h >= startHour && h < endHour : h >= startHour || h < endHour;
}

/**
 * Queues a "Rolling Release" request for each database on a `saas~` version whose line has a
 * newer `saas~` release in the catalog, unless an agent locked it. Answers the requests made.
 */
export async function queueRollingReleases(app: App): Promise<number[]> {
  const now = app.now();
  const since = new Date(now.getTime() - ONCE_A_NIGHT_HOURS * 3_600_000);
  const made: number[] = [];
  for (const db of await rollingReleaseCandidates(app.metabase, now, since)) {
    const target = rollingReleaseTarget(app.config.upgrades.catalog, db.version);
    if (!target) continue;
    // The unique index on open rolling releases makes a concurrent run's second insert fail: skipped.
    const row = await insertUpgradeRequest(app.metabase, {
      database_name: db.name,
      mode: 'rolling',
      source_version: db.version,
      target,
      email: null,
      agent_id: null,
      requested_at: now,
    }).catch((e: unknown) => {
      if ((e as { code?: string }).code === '23505') return undefined;
      throw e;
    });
    if (row) made.push(row.id);
  }
  return made;
}

/**
 * Starts queued rolling releases, oldest first, at most `rollingPerServer` running at once per
 * hosting server. A database locked since it was queued gets its request cancelled; one busy
 * with another job waits for the next run.
 */
export async function startRollingReleases(app: App): Promise<number[]> {
  const running = await runningRollingReleasesByServer(app.metabase);
  const limit = app.config.upgrades.rollingPerServer;
  const started: number[] = [];
  for (const queued of await queuedRollingReleases(app.metabase)) {
    await app.metabase.transaction().execute(async (tx) => {
      const db = await lockDatabase(tx, queued.database_name);
      const request = await lockUpgradeRequest(tx, queued.id);
      if (!db || request?.state !== 'Queued' || request.job_id) return;
      if (db.state !== 'active' || (db.rolling_release_locked_until && db.rolling_release_locked_until > app.now())) {
        await updateUpgradeRequest(tx, queued.id, {
          state: 'cancelled (meta)',
          reason: db.state !== 'active' ? 'The database is no longer active.' : 'Rolling releases are locked for this database.',
          done_at: app.now(),
        });
        return;
      }
      if ((running.get(db.server_id) ?? 0) >= limit || (await activeJobOf(tx, db.name))) return;
      const { job } = await enqueueJob(tx, upgradeJob, { database: db.name, agentId: null, payload: { request: queued.id } });
      await updateUpgradeRequest(tx, queued.id, { job_id: Number(job.id) });
      running.set(db.server_id, (running.get(db.server_id) ?? 0) + 1);
      started.push(queued.id);
    });
  }
  return started;
}

/** The night's rolling release: inside the window, queue what is due and start what fits. */
export async function runRollingRelease(app: App): Promise<{ queued: number[]; started: number[] }> {
  if (!inNightWindow(app, app.now())) return { queued: [], started: [] };
  const queued = await queueRollingReleases(app);
  const started = await startRollingReleases(app);
  return { queued, started };
}

export const rollingReleaseSchedule = defineSchedule({
  name: 'rolling-release',
  cron: (app) => app.config.upgrades.rollingReleaseCron,
  run: async (app) => {
    await runRollingRelease(app);
  },
});
