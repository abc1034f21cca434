import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import { Prng } from '../demo/prng.js';
import { searchDatabases } from '../metabase/repositories/databases.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { demoRecord } from './demo-records.js';
import { formatRecord } from './format.js';
import { dayFileName, LIVE_FILE, listLogFiles, utcDay } from './layout.js';
import { KEEP_DAYS, rotateLogDir } from './rotate.js';
import { WatchedFile } from './watched-file.js';

const ROTATION_HOUR = 5;

export interface DemoLogWriter {
  stop(): Promise<void>;
}

/** 05:00 UTC of the day a live file written at `t` started (rotation happens around 05:00). */
function periodStart(t: Date): Date {
  const start = new Date(`${utcDay(t)}T0${ROTATION_HOUR}:00:00Z`);
  return start > t ? new Date(start.getTime() - 86_400_000) : start;
}

function records(prng: Prng, from: Date, to: Date, count: number, databases: string[], pids: number[]): string {
  const step = (to.getTime() - from.getTime()) / Math.max(count, 1);
  let out = '';
  for (let i = 0; i < count; i++) {
    out += formatRecord(demoRecord(prng, new Date(from.getTime() + Math.floor(i * step)), databases, pids));
  }
  return out;
}

/**
 * At first start (an empty log folder) the server "has been running" for 10 days: one file per
 * past day and today's live file so far, then a rotation gzips the older days at once.
 */
export async function writeDemoHistory(
  dir: string,
  now: Date,
  databases: string[],
  linesPerDay: number,
): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  if ((await listLogFiles(dir)).length) return false;
  const prng = new Prng(`logs:${dir}`);
  const pids = [prng.int(1000, 60000), prng.int(1000, 60000), prng.int(1000, 60000)];
  const liveStart = periodStart(now);
  for (let back = KEEP_DAYS; back >= 1; back--) {
    const from = new Date(liveStart.getTime() - back * 86_400_000);
    const to = new Date(from.getTime() + 86_400_000);
    await writeFile(path.join(dir, dayFileName(utcDay(from))), records(prng, from, to, linesPerDay, databases, pids));
  }
  const share = (now.getTime() - liveStart.getTime()) / 86_400_000;
  await writeFile(path.join(dir, LIVE_FILE), records(prng, liveStart, now, Math.round(linesPerDay * share), databases, pids));
  // Rotated as on the morning of the live file's first day: yesterday stays plain, older days gzipped.
  await rotateLogDir(dir, liveStart);
  return true;
}

/**
 * The Odoo-like log writer of the embedded default: per hosting server, a steady stream of
 * records for the databases it hosts, appended as Odoo's WatchedFileHandler does (so rotation
 * by rename is safe while it writes).
 */
export async function startDemoLogWriter(app: App, server: HostingServerRow): Promise<DemoLogWriter> {
  const { linesPerMinute, historyLinesPerDay } = app.config.logs;
  const databases = (await searchDatabases(app.metabase, { server: server.name, limit: 200 }))
    .filter((d) => d.state === 'active')
    .map((d) => d.name);
  await writeDemoHistory(server.log_dir, app.now(), databases, historyLinesPerDay);
  const file = new WatchedFile(path.join(server.log_dir, LIVE_FILE));
  const prng = new Prng(`logs:${server.name}:${app.now().toISOString()}`);
  const pids = [process.pid, process.pid + 1, process.pid + 2];
  const timer = setInterval(
    () => {
      file.append(formatRecord(demoRecord(prng, app.now(), databases, pids))).catch((err: Error) => {
        app.log.warn({ err: err.message, server: server.name }, 'demo log writer failed');
      });
    },
    Math.max(10, Math.round(60_000 / Math.max(linesPerMinute, 0.001))),
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await file.close();
    },
  };
}
