import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LIVE_FILE } from './layout.js';
import { LogScanner, type LogLine, type ScanFilter } from './scan.js';

const POLL_MS = 200;
const READ = 1024 * 1024;

async function countLines(file: string, end: number): Promise<number> {
  if (end <= 0) return 0;
  let count = 0;
  for await (const chunk of createReadStream(file, { end: end - 1, highWaterMark: READ })) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) count++;
  }
  return count;
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
      position = fromEnd ? st.size : 0;
      partial = Buffer.alloc(0);
      const already = fromEnd ? await countLines(file, st.size) : 0;
      scanner = new LogScanner(LIVE_FILE, { ...filter, context: 0 }, (l) => batch.push(l));
      // Line numbers continue those of the file, so a live line's permalink finds it in a search.
      scanner.skipLines(already);
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
