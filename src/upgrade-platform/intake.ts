import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pgBinary } from '../hosting/backup-pg.js';
import { PlatformError } from './errors.js';
import type { RequestFiles } from './files.js';

const run = promisify(execFile);

/**
 * The files pg_dump's directory format writes (pg_backup_directory.c): the table of contents,
 * one data file per table (compressed or not), large objects and their index. Nothing else is
 * taken from a caller's directory dump: no folders, no links, no other names.
 */
const DUMP_MEMBER = /^(toc\.dat|\d{1,10}\.dat(\.gz|\.lz4|\.zst)?|blobs(_\d{1,10})?\.toc|blob_\d{1,10}\.dat(\.gz|\.lz4|\.zst)?)$/;
const MAX_MEMBERS = 200_000;

/** The names Odoo's client uploads its dump under (`/data/origin<ext>`). */
const ORIGIN_NAMES = ['origin.dump', 'origin.sql', 'origin.sql.gz', 'origin.zip'];

export interface TakenUpload {
  /** The dump, as pg_restore reads it: a directory-format folder or a custom-format file. */
  path: string;
  bytes: number;
  /** The major version of the pg_dump that made it (its pg_restore reads our result when not older than ours). */
  pgDumpMajor: number | undefined;
}

/**
 * Takes what the caller's rsync left in `upload/data/`: moves it out of the SSH user's reach
 * (a rename, then the platform's ownership and modes, so the transfer's user can change none of
 * it any more), then checks it is one pg_dump dump, a directory of dump files or a custom-format
 * file, of at most `maxBytes`. Anything else is refused and removed; the request stays new for
 * another upload. Only lstat is used: a link planted in the upload is never followed.
 */
export async function takeUpload(files: RequestFiles, maxBytes: number): Promise<TakenUpload> {
  const names = await readdir(files.uploadData).catch(() => [] as string[]);
  const present = names.filter((n) => ORIGIN_NAMES.includes(n));
  if (present.length === 0) {
    throw new PlatformError(
      'StateError',
      names.some((n) => n.startsWith('.origin'))
        ? 'The upload is not complete: run the transfer again to its end.'
        : 'Upload the dump before asking to process the request.',
    );
  }
  if (present.length > 1) throw new PlatformError('ValidationError', `Upload one dump, not ${present.join(' and ')}.`);
  const name = present[0];
  if (name !== 'origin.dump') {
    await rm(path.join(files.uploadData, name), { recursive: true, force: true });
    throw new PlatformError(
      'ValidationError',
      `This upgrade platform takes pg_dump dumps only (a directory-format dump, or a custom-format file, as origin.dump); ${name} is not one.`,
    );
  }
  await rm(files.origin, { recursive: true, force: true });
  await mkdir(files.origin, { mode: 0o700 });
  const taken = path.join(files.origin, name);
  await rename(path.join(files.uploadData, name), taken);
  try {
    const bytes = await checkDump(taken, maxBytes);
    return { path: taken, bytes, pgDumpMajor: await pgDumpMajorOf(taken) };
  } catch (e) {
    await rm(files.origin, { recursive: true, force: true });
    throw e;
  }
}

/** Makes the taken dump the platform's (root's when it runs as root) and checks its shape; answers its size. */
async function checkDump(taken: string, maxBytes: number): Promise<number> {
  const own = async (p: string, mode: number) => {
    if (process.getuid?.() === 0) await chown(p, 0, 0);
    await chmod(p, mode);
  };
  const st = await lstat(taken);
  if (st.isFile()) {
    await own(taken, 0o600);
    if (st.size > maxBytes) throw tooBig(maxBytes);
    const handle = await open(taken, 'r');
    try {
      const head = Buffer.alloc(5);
      await handle.read(head, 0, 5, 0);
      if (head.toString('latin1') !== 'PGDMP') throw new PlatformError('ValidationError', 'origin.dump is not a pg_dump custom-format dump.');
    } finally {
      await handle.close();
    }
    return st.size;
  }
  if (!st.isDirectory()) throw new PlatformError('ValidationError', 'origin.dump must be a pg_dump dump: a folder of dump files or a custom-format file.');
  await own(taken, 0o700);
  const entries = await readdir(taken);
  if (entries.length > MAX_MEMBERS) throw new PlatformError('ValidationError', `The dump holds more than ${MAX_MEMBERS} files.`);
  let bytes = 0;
  for (const entry of entries) {
    const member = path.join(taken, entry);
    const m = await lstat(member);
    if (!m.isFile() || !DUMP_MEMBER.test(entry)) {
      throw new PlatformError(
        'ValidationError',
        `The dump folder must hold only the files of a pg_dump directory-format dump; "${entry.slice(0, 120)}" is not one.`,
      );
    }
    await own(member, 0o600);
    bytes += m.size;
    if (bytes > maxBytes) throw tooBig(maxBytes);
  }
  if (!entries.includes('toc.dat')) throw new PlatformError('ValidationError', 'The dump folder has no toc.dat: it is not a pg_dump directory-format dump.');
  return bytes;
}

function tooBig(maxBytes: number): PlatformError {
  const mb = maxBytes / 1048576;
  return new PlatformError('ValidationError', `The dump is larger than ${mb >= 10 ? Math.round(mb) : Number(mb.toFixed(2))} MB.`);
}

/** `Dumped by pg_dump version: 16.4 (…)` from the dump's table of contents, as pg_restore lists it. */
async function pgDumpMajorOf(dump: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(await pgBinary('pg_restore'), ['--list', dump], {
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return majorOf(/Dumped by pg_dump version: (\S+)/.exec(stdout)?.[1]);
  } catch {
    // A dump pg_restore cannot list fails the upgrade when it is restored, with pg_restore's words.
    return undefined;
  }
}

export function majorOf(version: string | undefined): number | undefined {
  const major = Number(/^(\d+)/.exec(version ?? '')?.[1]);
  return Number.isInteger(major) && major > 0 ? major : undefined;
}

/** The major version of our own pg_dump, which makes the results. */
export async function ourPgDumpMajor(): Promise<number | undefined> {
  const { stdout } = await run(await pgBinary('pg_dump'), ['--version'], { env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  return majorOf(/(\d+(?:\.\d+)*)/.exec(stdout)?.[1]);
}
