import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LIVE_FILE } from './layout.js';
import { LogScanner, type LogLine, type ScanFilter } from './scan.js';

const POLL_MS = 200;
const READ = 1024 * 1024;

/**
 * Reads the file's whole lines up to `size` through `scanner` (the backlog: the last matching
 * lines, so the viewer does not open empty) and answers where the whole lines end.
 */
async function readExisting(file: string, size: number, scanner: LogScanner): Promise<number> {
  if (size <= 0) return 0;
  let offset = 0;
  let end = 0;
  let partial = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { end: size - 1, highWaterMark: READ })) {
    const data = partial.length ? Buffer.concat([partial, chunk as Buffer]) : (chunk as Buffer);
    const nl = data.lastIndexOf(10);
    offset += (chunk as Buffer).length;
    if (nl >= 0) {
      scanner.push(data.subarray(0, nl + 1));
      end = offset - (data.length - nl - 1);
    }
    partial = Buffer.from(data.subarray(nl + 1));
  }
  scanner.end();
  return end;
}

/**
 * Follows the live log file from its current end, like `tail -F`: new whole lines go through
 * the same scanner as a search (records kept together, same filters); when rotation renames
 * the file, the rest of the old one is read and the new `odoo.log` followed from its start.
 * Polls (200 ms): a line reaches the browser well within a second, on any file system.
 */
export function followLog(
  dir: string,
  filter: Omit<ScanFilter, 'context'>,
  onLines: (lines: LogLine[]) => void,
  signal: AbortSignal,
  /** Called once the end of the file is known: every line written after it will be sent. */
  onReady: () => void = () => undefined,
  /** How many of the last matching lines already in the file to send first. */
  backlog = 0,
): Promise<void> {
  const file = path.join(dir, LIVE_FILE);
  return (async () => {
    let handle: FileHandle | undefined;
    let ino = -1;
    let position = 0;
    let partial = Buffer.alloc(0);
    let scanner: LogScanner | undefined;
    const batch: LogLine[] = [];
    const reopen = async (fromEnd: boolean) => {
      await handle?.close();
      handle = await open(file, 'r').catch(() => undefined);
      if (!handle) return;
      const st = await handle.stat();
      ino = st.ino;
      partial = Buffer.alloc(0);
      // The lines already there go through the same scanner (line numbers continue those of the
      // file, so a live line's permalink finds it in a search); only the last `backlog` are sent.
      let ready = !fromEnd;
      scanner = new LogScanner(LIVE_FILE, { ...filter, context: 0 }, (l) => {
        batch.push(l);
        if (!ready && batch.length > 2 * backlog) batch.splice(0, batch.length - backlog);
      });
      position = fromEnd ? await readExisting(file, st.size, scanner) : 0;
      ready = true;
      if (fromEnd) batch.splice(0, Math.max(0, batch.length - backlog));
    };
    const drain = async () => {
      if (!handle || !scanner) return;
      const buf = Buffer.alloc(READ);
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, READ, position);
        if (!bytesRead) break;
        position += bytesRead;
        const data = Buffer.concat([partial, buf.subarray(0, bytesRead)]);
        const lastNl = data.lastIndexOf(10);
        partial = Buffer.from(data.subarray(lastNl + 1));
        if (lastNl >= 0) scanner.push(data.subarray(0, lastNl + 1));
      }
      // The writer appends whole records: what is there now is complete.
      scanner.end();
      if (batch.length) onLines(batch.splice(0));
    };
    try {
      await reopen(true);
      onReady();
      while (!signal.aborted) {
        await drain();
        const now = await stat(file).catch(() => undefined);
        if (now && now.ino !== ino) {
          await drain();
          await reopen(false);
          continue;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } finally {
      await handle?.close();
    }
  })();
}
