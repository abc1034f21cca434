import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The log folder of a hosting server: `odoo.log` is the live file Odoo appends to; rotation
 * renames it to `odoo.log.YYYY-MM-DD` (the day it covers) and later gzips it to `….gz`.
 * `.partial` files are gzips in progress: never listed, never served.
 */
export const LIVE_FILE = 'odoo.log';
const FILE_NAME = /^odoo\.log(?:\.(\d{4}-\d{2}-\d{2})(\.gz)?)?$/;

export interface LogFile {
  name: string;
  size: number;
  compressed: boolean;
  /** The day a rotated file covers (05:00 UTC to 05:00 UTC next day); null for the live file. */
  day: string | null;
}

export function dayFileName(day: string, compressed = false): string {
  return `${LIVE_FILE}.${day}${compressed ? '.gz' : ''}`;
}

/** Parses a file name of the log folder; anything else (a path, a partial gzip) is not a log file. */
export function parseLogFileName(name: string): { day: string | null; compressed: boolean } | null {
  const m = FILE_NAME.exec(name);
  if (!m) return null;
  return { day: m[1] ?? null, compressed: !!m[2] };
}

/**
 * The absolute path of a log file, only for a name of the folder's own pattern: a name cannot
 * carry a separator or `..`, so nothing outside the folder is reachable.
 */
export function logFilePath(dir: string, name: string): string | null {
  return parseLogFileName(name) ? path.join(dir, name) : null;
}

/** Every log file of the folder, the live one first, then the days newest first. */
export async function listLogFiles(dir: string): Promise<LogFile[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const files: LogFile[] = [];
  for (const name of names) {
    const parsed = parseLogFileName(name);
    if (!parsed) continue;
    const st = await stat(path.join(dir, name)).catch(() => undefined);
    if (!st?.isFile()) continue;
    files.push({ name, size: st.size, compressed: parsed.compressed, day: parsed.day });
  }
  return files.sort((a, b) => (a.day === b.day ? 0 : a.day === null ? -1 : b.day === null ? 1 : a.day < b.day ? 1 : -1));
}

/** YYYY-MM-DD of a date, UTC. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addUtcDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));
}
