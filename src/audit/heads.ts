import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { PublishedHead } from './chain.js';
import type { AuditKey } from './key.js';

/**
 * The heads file: one JSON line per published head, `{id, hash, at, mac}`, appended only. It
 * lives outside the metabase (DBTOOLS_AUDIT_HEADS_FILE: point it at write-once storage), so a
 * metabase writer can neither rewrite it nor forge a line (the mac needs the audit key).
 */
const signedText = (h: { id: number; hash: string; at: string }) => `${h.id}\n${h.hash}\n${h.at}`;

function parseLine(line: string, key: AuditKey): PublishedHead | undefined {
  try {
    const h = JSON.parse(line) as { id?: unknown; hash?: unknown; at?: unknown; mac?: unknown };
    if (!Number.isSafeInteger(h.id) || typeof h.hash !== 'string' || typeof h.at !== 'string' || typeof h.mac !== 'string') return undefined;
    const head = { id: h.id as number, hash: h.hash, at: h.at };
    if (!key.headSignatureMatches(signedText(head), h.mac)) return undefined;
    return { id: head.id, hash: head.hash, at: new Date(head.at) };
  } catch {
    return undefined;
  }
}

export interface PublishedHeads {
  heads: PublishedHead[];
  /** Line numbers that are not a head signed with this key (ignored, and reported). */
  rejectedLines: number[];
  /** No heads file at all: nothing outside the metabase to check the newest entries against. */
  missing: boolean;
}

/** Every head of the file, read line by line (the file grows by one line a minute at most). */
export async function readHeads(file: string, key: AuditKey): Promise<PublishedHeads> {
  const result: PublishedHeads = { heads: [], rejectedLines: [], missing: false };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...result, missing: true };
    throw e;
  }
  let n = 0;
  // readLines closes the handle when the lines end.
  for await (const line of handle.readLines({ encoding: 'utf8' })) {
    n += 1;
    if (!line.trim()) continue;
    const head = parseLine(line, key);
    if (head) result.heads.push(head);
    else result.rejectedLines.push(n);
  }
  return result;
}

const TAIL_BYTES = 64 * 1024;

/** The last signed head of the file, read from its end: the publisher's starting point. */
export async function lastHead(file: string, key: AuditKey): Promise<PublishedHead | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= (size > length ? 1 : 0); i--) {
      const head = lines[i].trim() ? parseLine(lines[i], key) : undefined;
      if (head) return head;
    }
  } finally {
    await handle.close();
  }
  // Only lines that are not ours at the end: the whole file decides.
  return (await readHeads(file, key)).heads.at(-1);
}

/** Appends one signed head and syncs it to disk before the publisher says it is published. */
export async function appendHead(file: string, key: AuditKey, head: PublishedHead): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const fields = { id: head.id, hash: head.hash, at: head.at.toISOString() };
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(JSON.stringify({ ...fields, mac: key.signHead(signedText(fields)) }) + '\n');
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
