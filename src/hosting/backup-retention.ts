import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import type { BackupConfig } from '../config/config.js';
import {
  abandonedBackups,
  databasesWithBackups,
  deleteBackupRow,
  listBackupsOf,
} from '../metabase/repositories/backups.js';
import type { BackupRow } from '../metabase/schema.js';
import { activeJobPayloadValues } from '../metabase/repositories/jobs.js';
import { addMonths, DAY_MS } from '../dates.js';


/**
 * Which backups of one database retention keeps: the newest `daily` of the daily kind taken
 * in the last that-many days, likewise `weekly` weeks and `monthly` months; manual and safety
 * backups live as long as the daily ones. Bounding by age as well as by count is what makes
 * the backups of a removed database (which gets no new ones) go in the end.
 */
export function backupsToPrune(
  backups: BackupRow[],
  retention: BackupConfig['retention'],
  now: Date,
): BackupRow[] {
  const horizon = {
    daily: new Date(now.getTime() - retention.daily * DAY_MS),
    weekly: new Date(now.getTime() - retention.weekly * 7 * DAY_MS),
    monthly: addMonths(now, -retention.monthly),
  };
  const count = { daily: retention.daily, weekly: retention.weekly, monthly: retention.monthly };
  const seen = { daily: 0, weekly: 0, monthly: 0 };
  const prune: BackupRow[] = [];
  const newestFirst = [...backups].sort((a, b) => b.taken_at.getTime() - a.taken_at.getTime() || b.id - a.id);
  for (const b of newestFirst) {
    if (b.state === 'running') continue;
    if (b.state === 'failed') {
      if (b.taken_at.getTime() < now.getTime() - DAY_MS) prune.push(b);
      continue;
    }
    if (b.kind === 'manual' || b.kind === 'safety') {
      if (b.taken_at < horizon.daily) prune.push(b);
      continue;
    }
    const keep = seen[b.kind] < count[b.kind] && b.taken_at >= horizon[b.kind];
    seen[b.kind]++;
    if (!keep) prune.push(b);
  }
  return prune;
}

/** Backups a queued or running restore reads: never pruned under its feet. */
async function backupsInUse(app: App): Promise<Set<number>> {
  const ids = await activeJobPayloadValues(app.metabase, 'restore-backup', 'backup');
  return new Set(ids.map(Number));
}

/** Files first, then the row: a crash in between leaves a row the next run removes again. */
async function deleteBackup(app: App, backup: BackupRow): Promise<void> {
  await rm(backup.path, { recursive: true, force: true });
  await deleteBackupRow(app.metabase, backup.id);
  // The database's folder goes with its last backup.
  await rmdir(path.dirname(backup.path)).catch(() => undefined);
}

/**
 * Applies retention to one database's backups, whether the database is active or removed.
 * The reaper needs to call nothing: the hourly housekeeping runs this over every database
 * that has backups. Returns the ids removed.
 */
export async function applyBackupRetention(app: App, database: string, now = app.now()): Promise<number[]> {
  const inUse = await backupsInUse(app);
  const prune = backupsToPrune(
    await listBackupsOf(app.metabase, database),
    app.config.backups.retention,
    now,
  ).filter((b) => !inUse.has(b.id));
  for (const b of prune) await deleteBackup(app, b);
  return prune.map((b) => b.id);
}

/** Housekeeping: abandoned half-made backups, then retention over every database with backups. */
export async function pruneAllBackups(app: App, now = app.now()): Promise<number> {
  let removed = 0;
  for (const b of await abandonedBackups(app.metabase)) {
    await deleteBackup(app, b);
    removed++;
  }
  for (const name of await databasesWithBackups(app.metabase))
    removed += (await applyBackupRetention(app, name, now)).length;
  return removed;
}
