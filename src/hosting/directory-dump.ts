import { chmod, chown, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { HostingServerRow } from '../metabase/schema.js';
import { runPgToolAsLoader, type LoaderLogin } from './backup-pg.js';
import { clusterOwner } from './cluster.js';

/**
 * An empty folder for a directory-format dump, owned by the cluster's OS user (pg_dump and the
 * loader's pg_restore run as that user). What a crashed attempt left in it goes first.
 */
export async function freshDumpFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const owner = clusterOwner();
  if (owner) await chown(dir, owner.uid, owner.gid);
}

/**
 * `pg_dump --format=directory --jobs=N` of a hosting server's database into the empty folder
 * `dir` (see freshDumpFolder): one file per table, written by N connections sharing one
 * snapshot. Not compressed: the dump crosses a local disk once and is restored at once, so the
 * CPU deflate would cost is the larger price.
 */
export async function dumpDirectory(
  server: HostingServerRow,
  login: LoaderLogin,
  dir: string,
  { jobs }: { jobs: number },
): Promise<void> {
  await runPgToolAsLoader(server, login, 'pg_dump', ['--format=directory', `--jobs=${jobs}`, '--compress=0', '--file', dir]);
}

/**
 * Opens a directory dump that did not come from pg_dump as the cluster's OS user (one extracted
 * from the upgrade platform's tar, private to us) to that user: the loader's pg_restore runs as it.
 */
export async function shareDirectoryDump(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) await chmod(path.join(dir, entry.name), 0o644);
  }
}
