import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Invalid } from '../errors.js';
import { parseHead } from './format.js';
import { listLogFiles, type LogFile } from './layout.js';
import { LogScanner, type LogLine, type ScanFilter } from './scan.js';

const CHUNK = 1024 * 1024;

export interface SearchOptions extends ScanFilter {
  /** One file of the folder; else the files the time range covers (the live file without range). */
  file?: string;
  /** A permalink: this line of `file` (1-based) with `context` lines around it, no other filter. */
  line?: number;
  limit: number;
}

export interface SearchResult {
  lines: LogLine[];
  /** The limit cut the result: narrow the search. */
  truncated: boolean;
  files: string[];
}

/** A file's bytes as chunks of about 1 MB: read as is, or through gunzip (never loaded whole). */
export function openLogStream(file: string, compressed: boolean): Readable {
  const raw = createReadStream(file, { highWaterMark: CHUNK });
  if (!compressed) return raw;
  const gunzip = createGunzip({ chunkSize: CHUNK });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** The files a search reads, oldest first: a day file covers its day 05:00 to the next day's 05:00. */
export function filesToSearch(files: LogFile[], options: Pick<SearchOptions, 'file' | 'from' | 'to'>): LogFile[] {
  if (options.file) {
    const one = files.find((f) => f.name === options.file);
    if (!one) throw new Invalid(`There is no log file named ${options.file}.`);
    return [one];
  }
  if (!options.from && !options.to) return files.filter((f) => f.day === null);
  const from = options.from?.slice(0, 10);
  const to = options.to?.slice(0, 10);
  return files
    .filter((f) => {
      if (f.day === null) return true;
      // A day file holds lines from its day and the early hours of the next one.
      const next = new Date(Date.parse(`${f.day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      return (!from || next >= from) && (!to || f.day <= to);
    })
    .reverse();
}

/** Checks a regular expression before any file is read: a bad one is the agent's typo, not a 500. */
export function checkPattern(options: Pick<ScanFilter, 'q' | 'regex'>): void {
  if (!options.regex || !options.q) return;
  try {
    new RegExp(options.q);
  } catch (e) {
    throw new Invalid(`The regular expression is not valid: ${(e as Error).message}`);
  }
}

/**
 * A file's bytes as chunks of 1 MB. A plain file is read into two buffers in turn, the next
 * chunk's read under way while the caller scans this one (a read waits on the thread pool, which
 * a loaded machine makes slow: the wait and the scan overlap instead of adding up); each chunk is
 * valid until the next is asked for. A gzipped one is streamed through gunzip.
 */
export async function* logChunks(file: string, compressed: boolean): AsyncGenerator<Buffer> {
  if (compressed) {
    const stream = openLogStream(file, true);
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } finally {
      stream.destroy();
    }
    return;
  }
  const handle = await open(file, 'r');
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let position = 0;
  const read = (buf: Buffer) => {
    const at = position;
    // Each read starts where the previous one ended (it is issued once that one is done).
    return handle.read(buf, 0, CHUNK, at).then((r) => {
      position = at + r.bytesRead;
      return r;
    });
  };
  let next = read(buffers[0]);
  try {
    for (let i = 0; ; i ^= 1) {
      const { bytesRead } = await next;
      if (!bytesRead) return;
      // The other buffer is free: the caller has asked for this chunk, so it is done with that one.
      next = read(buffers[i ^ 1]);
      yield buffers[i].subarray(0, bytesRead);
    }
  } finally {
    // A search that stops early leaves a read under way: it must end before the file is closed.
    await next.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Scans one file, handing each line found to `take` (false: the search is full) and, after each
 * chunk, calling `chunkDone` (awaited: a stream's consumer sets the pace). Answers whether the
 * search was cut (a line past the limit was found).
 */
async function scanFile(
  file: string,
  compressed: boolean,
  filter: ScanFilter,
  name: string,
  take: (line: LogLine) => boolean,
  chunkDone?: () => Promise<void> | void,
): Promise<boolean> {
  let truncated = false;
  const scanner = new LogScanner(name, filter, (line) => {
    if (!truncated && !take(line)) truncated = true;
  });
  for await (const chunk of logChunks(file, compressed)) {
    scanner.push(chunk);
    if (truncated) return true;
    await chunkDone?.();
  }
  scanner.end();
  return truncated;
}

/** Searches one file; stops reading as soon as `limit` lines are found. */
export async function searchFile(
  file: string,
  compressed: boolean,
  filter: ScanFilter,
  limit: number,
  out: LogLine[] = [],
  name = path.basename(file),
): Promise<{ lines: LogLine[]; truncated: boolean }> {
  const truncated = await scanFile(file, compressed, filter, name, (line) => out.length < limit && out.push(line) > 0);
  return { lines: out, truncated };
}

/** Lines `line - context` to `line + context` of a file, the line itself marked as the hit. */
export async function linesAround(file: string, compressed: boolean, line: number, context: number, name: string): Promise<LogLine[]> {
  const first = Math.max(1, line - context);
  const last = line + context;
  const out: LogLine[] = [];
  let n = 1;
  let partial = '';
  const stream = openLogStream(file, compressed);
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    let start = 0;
    for (let nl = b.indexOf(10); nl >= 0 && n <= last; nl = b.indexOf(10, start)) {
      if (n >= first) {
        const text = partial + b.toString('utf8', start, nl);
        out.push({ file: name, n, text, hit: n === line, ...parseHead(text) });
      }
      partial = '';
      n++;
      start = nl + 1;
    }
    if (n > last) break;
    if (n >= first) partial += b.toString('utf8', start);
  }
  stream.destroy();
  return out;
}

export async function searchLogs(dir: string, options: SearchOptions): Promise<SearchResult> {
  const lines: LogLine[] = [];
  const { truncated, files } = await streamLogSearch(dir, options, (batch) => {
    for (const l of batch) lines.push(l);
  });
  return { lines, truncated, files };
}

/** The files a search will read, checked before anything is read or sent (a bad pattern or file name is a 4xx). */
export async function planLogSearch(dir: string, options: SearchOptions): Promise<LogFile[]> {
  checkPattern(options);
  return filesToSearch(await listLogFiles(dir), options);
}

/**
 * A search whose lines go to `send` as they are found, a chunk's worth (about 1 MB of log) at a
 * time, in file order: the first hits reach the agent while the rest of the files are read, and
 * nothing but the current batch is held. `send` is awaited (the client's pace); a rejection stops
 * the search. `files`: from planLogSearch, when the caller checked them first.
 */
export async function streamLogSearch(
  dir: string,
  options: SearchOptions,
  send: (lines: LogLine[]) => Promise<void> | void,
  files?: LogFile[],
): Promise<{ truncated: boolean; files: string[] }> {
  files ??= await planLogSearch(dir, options);
  const names = files.map((f) => f.name);
  if (options.line && options.file) {
    const f = files[0];
    await send(await linesAround(path.join(dir, f.name), f.compressed, options.line, options.context, f.name));
    return { truncated: false, files: names };
  }
  let count = 0;
  let batch: LogLine[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const full = batch;
    batch = [];
    await send(full);
  };
  for (const f of files) {
    const take = (line: LogLine) => {
      if (count >= options.limit) return false;
      count++;
      batch.push(line);
      return true;
    };
    const truncated = await scanFile(path.join(dir, f.name), f.compressed, options, f.name, take, flush);
    await flush();
    if (truncated) return { truncated, files: names };
  }
  return { truncated: false, files: names };
}
