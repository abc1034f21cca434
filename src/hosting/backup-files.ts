import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathExists } from './path-exists.js';

/** Every regular file under `dir`, as paths relative to it (an absent folder has none). */
export async function* walkFiles(dir: string, rel = ''): AsyncGenerator<string> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    },
  );
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walkFiles(dir, p);
    else if (e.isFile()) yield p;
  }
}

export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for await (const f of walkFiles(dir)) total += (await lstat(path.join(dir, f))).size;
  return total;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Adds every file of `src` to `dst` as a hard link (a copy across devices), leaving the files
 * `dst` already has. Odoo's filestore is content-addressed (a file's name is its sha1), so a
 * name present on both sides is the same content: the merged folder serves both databases.
 */
export async function mergeTreeLinks(src: string, dst: string, onFile?: () => void): Promise<number> {
  let added = 0;
  const made = new Set<string>();
  for await (const rel of walkFiles(src)) {
    const target = path.join(dst, rel);
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    try {
      await link(path.join(src, rel), target);
      added++;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EXDEV') throw e;
      await copyFile(path.join(src, rel), target);
      added++;
    }
    onFile?.();
  }
  await mkdir(dst, { recursive: true });
  return added;
}

/**
 * Removes the files of `live` that `keep` does not have and that are older than `before`:
 * after a restore in place they belonged to the replaced database only. Files written after
 * the swap (the restored database's new attachments) are newer and stay.
 */
export async function removeFilesNotIn(live: string, keep: string, before: Date): Promise<number> {
  let removed = 0;
  for await (const rel of walkFiles(live)) {
    if (await pathExists(path.join(keep, rel))) continue;
    const file = path.join(live, rel);
    const st = await lstat(file);
    if (st.mtime >= before) continue;
    await rm(file, { force: true });
    removed++;
  }
  return removed;
}
