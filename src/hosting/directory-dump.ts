import { chmod, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { HostingServerRow } from '../metabase/schema.js';
import { runPgTool } from './backup-pg.js';
import { pathExists } from './path-exists.js';

/**
 * pg_dump's directory format, dumped by `jobs` parallel workers (one table each), into
 * `<dir>.partial` renamed to `dir` when whole: a crash leaves no half dump under the final name.
 * Idempotent: an existing `dir` is the finished dump.
 */
export async function dumpDirectory(
  server: HostingServerRow,
  database: string,
  dir: string,
  opts: { jobs: number },
): Promise<void> {
  if (await pathExists(dir)) return;
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  // --no-owner: the dump is restored elsewhere (the upgrade platform, another cluster) under other roles.
  await runPgTool(server, 'pg_dump', [
    '--format=directory',
    `--jobs=${Math.max(1, opts.jobs)}`,
    '--no-owner',
    '--file',
    partial,
    '--dbname',
    database,
  ]);
  await rename(partial, dir);
}

/**
 * Opens a directory dump to the cluster's OS user (pg_restore as a loader runs as it): pg_dump
 * and tar leave its folder and files private to us.
 */
export async function shareDirectoryDump(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) await chmod(path.join(dir, entry.name), 0o644);
  }
}
