import { execFile } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { pathExists } from './path-exists.js';

const run = promisify(execFile);

/**
 * Copies a filestore folder as hard links: Odoo's filestore is content-addressed and never
 * rewrites a file in place, so sharing inodes is safe and takes no space. Across devices it
 * falls back to a real copy. The copy is built under `<dst>.partial` and renamed, so `dst`
 * either does not exist or is complete; a rerun after a crash starts the partial one over.
 */
export async function linkOrCopyTree(src: string, dst: string): Promise<'linked' | 'copied' | 'empty'> {
  if (await pathExists(dst)) return 'linked';
  if (!(await pathExists(src))) return 'empty';
  const partial = `${dst}.partial`;
  await rm(partial, { recursive: true, force: true });
  let how: 'linked' | 'copied' = 'linked';
  try {
    await run('cp', ['-al', '--', src, partial]);
  } catch (e) {
    if (!/cross-device|EXDEV/i.test(String((e as { stderr?: string }).stderr ?? e))) throw e;
    await rm(partial, { recursive: true, force: true });
    await run('cp', ['-a', '--', src, partial]);
    how = 'copied';
  }
  await rename(partial, dst);
  return how;
}

/** Removes a folder and any partial copy of it. */
export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}.partial`, { recursive: true, force: true });
}
