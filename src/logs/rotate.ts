import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { addUtcDays, dayFileName, LIVE_FILE, parseLogFileName, utcDay } from './layout.js';

/** The promise to agents: the last 2 days plain (readable in a browser), up to 10 days in all. */
export const PLAIN_DAYS = 2;
export const KEEP_DAYS = 10;
const PARTIAL = '.partial';

export interface RotationResult {
  /** The day the live file was renamed to, when it was. */
  rotated: string | null;
  compressed: string[];
  deleted: string[];
}

async function exists(p: string): Promise<boolean> {
  return !!(await stat(p).catch(() => undefined));
}

async function fsyncPath(p: string): Promise<void> {
  const h = await open(p, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Gzips `file` to `file.gz` so that a kill at any moment leaves either the plain file or the
 * complete `.gz`: the gzip is written to `.gz.partial`, flushed to disk, then renamed (atomic)
 * and the folder flushed, and only then is the plain file removed.
 */
export async function gzipCrashSafe(file: string): Promise<string> {
  const done = `${file}.gz`;
  const partial = done + PARTIAL;
  await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(partial));
  await fsyncPath(partial);
  await rename(partial, done);
  await fsyncPath(path.dirname(file));
  await rm(file, { force: true });
  return done;
}

/**
 * Daily rotation of one server's log folder, idempotent (running it twice the same day, or
 * after a crash, finishes the work and changes nothing more):
 * 1. gzips in progress when a process died are dropped (their plain file is still there);
 * 2. the live file is renamed to the day before `now` unless that day's file exists already
 *    (Odoo keeps appending: its WatchedFileHandler reopens `odoo.log` at the next line);
 * 3. days older than `plainDays` are gzipped; days older than `keepDays` are deleted.
 */
export async function rotateLogDir(
  dir: string,
  now: Date,
  options: { plainDays?: number; keepDays?: number } = {},
): Promise<RotationResult> {
  const plainDays = options.plainDays ?? PLAIN_DAYS;
  const keepDays = options.keepDays ?? KEEP_DAYS;
  const today = utcDay(now);
  const result: RotationResult = { rotated: null, compressed: [], deleted: [] };
  if (!(await exists(dir))) return result;

  for (const name of await readdir(dir)) {
    if (name.endsWith(PARTIAL)) await rm(path.join(dir, name), { force: true });
  }

  const day = addUtcDays(today, -1);
  const live = path.join(dir, LIVE_FILE);
  const liveSize = (await stat(live).catch(() => undefined))?.size ?? 0;
  const dayTaken = (await exists(path.join(dir, dayFileName(day)))) || (await exists(path.join(dir, dayFileName(day, true))));
  if (liveSize > 0 && !dayTaken) {
    await rename(live, path.join(dir, dayFileName(day)));
    await fsyncPath(dir);
    result.rotated = day;
  }

  const oldestKept = addUtcDays(today, -keepDays);
  const newestGzipped = addUtcDays(today, -plainDays - 1);
  const names = await readdir(dir);
  for (const name of names.sort()) {
    const parsed = parseLogFileName(name);
    if (!parsed?.day) continue;
    const file = path.join(dir, name);
    if (parsed.day < oldestKept) {
      await rm(file, { force: true });
      result.deleted.push(name);
    } else if (!parsed.compressed && parsed.day <= newestGzipped) {
      // A complete .gz beside its plain file: the process died after the rename, before the removal.
      if (names.includes(`${name}.gz`)) await rm(file, { force: true });
      else await gzipCrashSafe(file);
      result.compressed.push(name);
    }
  }
  return result;
}
