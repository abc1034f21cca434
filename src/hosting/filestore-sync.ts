import type { Stats } from 'node:fs';
import { chmod, chown, copyFile, lstat, mkdir, readdir, readlink, rename, rm, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';

export interface SyncStats {
  /** Files in the source. */
  files: number;
  bytes: number;
  /** Files that were copied (new or changed since the last sync). */
  copiedFiles: number;
  copiedBytes: number;
  /** Entries of the copy that the source no longer has. */
  removed: number;
}

interface Entry {
  stat: Stats;
  /** For a symbolic link: where it points. */
  target?: string;
}

/** Files copied at once: enough to keep a disk busy with small attachments, not a flood of descriptors. */
const PARALLEL_COPIES = 8;

async function walk(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' && rel === '') return [];
      throw e;
    });
    for (const d of entries) {
      const r = path.join(rel, d.name);
      const full = path.join(root, r);
      const stat = await lstat(full);
      out.set(r, { stat, target: stat.isSymbolicLink() ? await readlink(full) : undefined });
      if (stat.isDirectory()) await visit(r);
    }
  };
  await visit('');
  return out;
}

/** rsync's quick check: same kind, size and modification second. */
function unchanged(a: Entry, b: Entry | undefined): boolean {
  if (!b) return false;
  if (a.stat.isSymbolicLink()) return b.stat.isSymbolicLink() && a.target === b.target;
  return (
    b.stat.isFile() &&
    a.stat.size === b.stat.size &&
    Math.floor(a.stat.mtimeMs / 1000) === Math.floor(b.stat.mtimeMs / 1000)
  );
}

const asRoot = process.getuid?.() === 0;

async function keepAttributes(file: string, stat: Stats): Promise<void> {
  if (asRoot) await chown(file, stat.uid, stat.gid);
  await chmod(file, stat.mode & 0o7777);
}

/**
 * Makes `dst` a copy of `src`, as `rsync -a --delete` does: files new or changed since the last
 * run (size or modification time) are copied, with their mode, owner and times; entries `src`
 * no longer has are removed. A first run copies everything; the next ones copy only what
 * changed, which is how a move copies a live filestore first and only the remainder once the
 * database is locked. A missing `src` is an empty one. Each file is written beside its place
 * and renamed, so a copied file is whole; a crash leaves at most a partial file that the next
 * run removes. Real copies, never hard links: the copy lives on another server.
 */
export async function syncTree(
  src: string,
  dst: string,
  onProgress?: (copiedBytes: number, bytesToCopy: number) => void,
): Promise<SyncStats> {
  const [from, to] = await Promise.all([walk(src), walk(dst)]);
  const stats: SyncStats = { files: 0, bytes: 0, copiedFiles: 0, copiedBytes: 0, removed: 0 };
  await mkdir(dst, { recursive: true });

  // What the copy has and the source does not (or has as another kind): deepest first.
  const stale = [...to.keys()]
    .filter((r) => {
      const s = from.get(r);
      return !s || s.stat.isDirectory() !== to.get(r)!.stat.isDirectory();
    })
    .sort((a, b) => b.length - a.length);
  for (const r of stale) {
    await rm(path.join(dst, r), { recursive: true, force: true });
    stats.removed++;
  }

  const copies: [string, Entry][] = [];
  // Folders in walk order (a parent before its children).
  for (const [r, e] of from) {
    if (e.stat.isDirectory()) {
      await mkdir(path.join(dst, r), { recursive: true });
      continue;
    }
    if (e.stat.isFile()) {
      stats.files++;
      stats.bytes += e.stat.size;
    }
    if (!unchanged(e, to.get(r))) copies.push([r, e]);
  }
  const bytesToCopy = copies.reduce((s, [, e]) => s + (e.stat.isFile() ? e.stat.size : 0), 0);
  const limit = pLimit(PARALLEL_COPIES);
  await Promise.all(
    copies.map(([r, e]) =>
      limit(async () => {
        const target = path.join(dst, r);
        const partial = `${target}.dbtools-partial`;
        await rm(partial, { force: true });
        if (e.target !== undefined) {
          await symlink(e.target, partial);
        } else if (e.stat.isFile()) {
          await copyFile(path.join(src, r), partial);
          await keepAttributes(partial, e.stat);
          // In seconds from the exact times: Stats' Date fields are rounded to the millisecond,
          // which moves a time of x.9995 s into the next second and fails the quick check.
          await utimes(partial, e.stat.atimeMs / 1000, e.stat.mtimeMs / 1000);
        } else {
          return; // sockets, devices, fifos: nothing of a filestore
        }
        await rename(partial, target);
        stats.copiedFiles++;
        stats.copiedBytes += e.stat.isFile() ? e.stat.size : 0;
        onProgress?.(stats.copiedBytes, bytesToCopy);
      }),
    ),
  );
  // Folders last: adding their files changed their times.
  for (const [r, e] of from) {
    if (!e.stat.isDirectory()) continue;
    await keepAttributes(path.join(dst, r), e.stat);
    await utimes(path.join(dst, r), e.stat.atimeMs / 1000, e.stat.mtimeMs / 1000);
  }
  return stats;
}
