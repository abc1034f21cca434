import { execFile, spawn } from 'node:child_process';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { clusterOwner } from '../hosting/cluster.js';
import { PlatformError } from './errors.js';

const run = promisify(execFile);

/**
 * The files pg_dump's directory format writes (pg_backup_directory.c): the table of contents,
 * one data file per table (compressed or not), large objects and their index. Nothing else is
 * extracted from a customer's upload: no folders, no paths, no links.
 */
const DUMP_MEMBER = /^(toc\.dat|\d{1,10}\.dat(\.gz|\.lz4|\.zst)?|blobs(_\d{1,10})?\.toc|blob_\d{1,10}\.dat(\.gz|\.lz4|\.zst)?)$/;
const MAX_MEMBERS = 200_000;

export interface TarListing {
  members: number;
  bytes: number;
}

/**
 * Reads an uploaded tar's table (GNU tar, no shell) and refuses anything but the regular files
 * of a directory-format dump at its root, and a total beyond `maxBytes`. Listed with numeric
 * owners and escaped names, so one line is one member and a hostile owner or file name cannot
 * shift the columns.
 */
export async function checkDumpTar(file: string, maxBytes: number): Promise<TarListing> {
  let stdout: string;
  try {
    ({ stdout } = await run('tar', ['--list', '--verbose', '--numeric-owner', '--quoting-style=escape', '--file', file], {
      maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
    }));
  } catch (e) {
    throw new PlatformError('ValidationError', `The upload is not a readable tar archive: ${tarMessage(e)}`);
  }
  const lines = stdout.split('\n').filter(Boolean);
  if (lines.length > MAX_MEMBERS) throw new PlatformError('ValidationError', `The upload holds more than ${MAX_MEMBERS} files.`);
  let bytes = 0;
  let toc = false;
  for (const line of lines) {
    // -rw-r--r-- 0/0 1234 2026-11-29 17:00 toc.dat
    const m = /^(.)\S*\s+\d+\/\d+\s+(\d+)\s+\S+\s+\S+\s(.*)$/.exec(line);
    if (!m) throw new PlatformError('ValidationError', `The upload has a tar member we cannot read: ${line.slice(0, 120)}`);
    const [, type, size, rawName] = m;
    const name = rawName.replace(/^\.\//, '');
    if (type === 'd' && (name === '' || name === '.' || name === './')) continue;
    if (type !== '-' || !DUMP_MEMBER.test(name)) {
      throw new PlatformError(
        'ValidationError',
        `The upload must hold only the files of a pg_dump directory-format dump at its root; "${rawName.slice(0, 120)}" is not one.`,
      );
    }
    if (name === 'toc.dat') toc = true;
    bytes += Number(size);
    if (bytes > maxBytes) throw new PlatformError('ValidationError', `The dump expands beyond ${Math.round(maxBytes / 1048576)} MB.`);
  }
  if (!toc) throw new PlatformError('ValidationError', 'The upload has no toc.dat: it is not a pg_dump directory-format dump.');
  return { members: lines.length, bytes };
}

function tarMessage(e: unknown): string {
  const stderr = (e as { stderr?: string }).stderr?.trim();
  return (stderr || (e as Error).message).split('\n')[0].slice(0, 300);
}

/**
 * Extracts a checked dump tar into `dir` (empty, owned by the cluster's OS user when we are
 * root): tar runs as that unprivileged user, keeps no owner or permission from the archive and
 * refuses absolute names; then every extracted entry is checked to be a plain file.
 */
export async function extractDumpTar(file: string, dir: string): Promise<void> {
  const owner = clusterOwner();
  // The upload stays readable by us only: tar reads it from the descriptor we open for it.
  const input = await open(file, 'r');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'tar',
        ['--extract', '--no-same-owner', '--no-same-permissions', '--no-overwrite-dir', '--file', '-', '--directory', dir],
        {
          stdio: [input.fd, 'ignore', 'pipe'],
          env: { PATH: process.env.PATH, LC_ALL: 'C' },
          cwd: '/',
          ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
        },
      );
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new PlatformError('ValidationError', `The dump could not be extracted: ${stderr.trim().split('\n')[0]}`)),
      );
    });
  } finally {
    await input.close();
  }
  for (const name of await readdir(dir)) {
    const st = await lstat(path.join(dir, name));
    if (!st.isFile() || !DUMP_MEMBER.test(name)) {
      throw new PlatformError('ValidationError', `The dump extracted an unexpected entry "${name.slice(0, 80)}".`);
    }
  }
}

/**
 * Writes a tar of `entries` (paths relative to `dir`, in that order) to `out`, or an empty tar
 * when there are none. No shell; names never start with "./".
 */
export function createTar(dir: string, entries: string[], out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['--create', '--file', out, '--directory', dir, '--format=gnu', '--null', '--files-from', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar --create failed (${code}): ${stderr.trim()}`))));
    child.stdin.end(entries.map((e) => e + '\0').join(''));
  });
}
