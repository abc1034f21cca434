import { existsSync, rmSync } from 'node:fs';
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');

const PREFIX = 'built-src-';

let built: Promise<string> | undefined;

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A test process killed by the runner never ran its exit handler: its tree goes here. */
async function removeTreesOfGoneProcesses(): Promise<void> {
  const tmp = path.join(ROOT, '.tmp');
  const names = existsSync(tmp) ? await readdir(tmp) : [];
  for (const name of names) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length)) : NaN;
    if (Number.isInteger(pid) && (pid === process.pid || !running(pid)))
      rmSync(path.join(tmp, name), { recursive: true, force: true });
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * `src/` compiled to JavaScript once per test process, file by file as tsx would run it, for the
 * child processes tests start and kill many times over (a crash test starts the platform twice per
 * crash point): `node main.js` loads in about a third of the CPU time of `node --import tsx
 * main.ts`. The tree sits under the repository's `.tmp/` so packages resolve from its
 * node_modules; beside it, `odoo-addons` and `web` link back, since sources find them at
 * `../../odoo-addons` and `../../web`. Removed when the process exits.
 */
export function builtSource(): Promise<string> {
  built ??= (async () => {
    const top = path.join(ROOT, '.tmp', `${PREFIX}${process.pid}`);
    const out = path.join(top, 'src');
    await removeTreesOfGoneProcesses();
    process.once('exit', () => rmSync(top, { recursive: true, force: true }));
    const files = await filesUnder(SRC);
    await build({
      entryPoints: files.filter((f) => f.endsWith('.ts')),
      outdir: out,
      outbase: SRC,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'warning',
    });
    // What sources read beside themselves: SQL fragments, the deflate worker.
    for (const file of files.filter((f) => !f.endsWith('.ts'))) {
      const to = path.join(out, path.relative(SRC, file));
      await mkdir(path.dirname(to), { recursive: true });
      await cp(file, to);
    }
    for (const folder of ['odoo-addons', 'web']) {
      if (existsSync(path.join(ROOT, folder))) await symlink(path.join(ROOT, folder), path.join(top, folder));
    }
    return out;
  })();
  return built;
}
