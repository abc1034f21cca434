import { spawn } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * tar, spawned without a shell: the upload is a stream of the dump directory's files at the
 * tar root (the protocol's shape), never a temporary archive on disk.
 */
export async function packDirectory(dir: string): Promise<{ stream: Readable; done: Promise<void> }> {
  const names = (await readdir(dir)).sort();
  const child = spawn('tar', ['--create', '--file=-', '--directory', dir, '--', ...names], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { stream: child.stdout, done: exited(child, 'tar --create') };
}

/** Extracts a tar stream into `dir` (made empty first); member paths stay inside `dir` (GNU tar's default). */
export async function extractTar(stream: Readable, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const child = spawn('tar', ['--extract', '--file=-', '--no-same-owner', '--no-overwrite-dir', '--directory', dir], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const done = exited(child, 'tar --extract');
  await Promise.all([pipeline(stream, child.stdin), done]);
}

function exited(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (tail = (tail + c).slice(-1000)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code}): ${tail.trim()}`))));
  });
}
