import { appendFile, mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * A request's files under the platform's data folder, `requests/<id>/`:
 * - `upload/data/` where the caller's rsync writes `origin.dump` (the SSH server's user owns it;
 *   the request's key reaches `upload/` only, write-only, during an upload transfer);
 * - `origin/` the upload once taken (moved out of the caller's reach, checked, the platform's own);
 * - `work/` the dump being restored, the new filestore files and the result while the upgrade runs;
 * - `download/data/` the result: `upgraded.dump/` (directory-format dump), `filestore/` (the files
 *   the upgrade added), `upgrade-report.html`, `upgrade.log` (read-only to the key, during a
 *   download transfer);
 * - `upgrade.log`.
 * Archiving removes everything but the log.
 */
export class RequestFiles {
  readonly dir: string;
  constructor(root: string, readonly id: number) {
    if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`bad request id ${id}`);
    this.dir = path.join(root, 'requests', String(id));
  }
  /** The folder an upload transfer's key is confined to (Odoo's client writes to /data/ in it). */
  get upload() {
    return path.join(this.dir, 'upload');
  }
  get uploadData() {
    return path.join(this.upload, 'data');
  }
  get origin() {
    return path.join(this.dir, 'origin');
  }
  /** The folder a download transfer's key is confined to. */
  get download() {
    return path.join(this.dir, 'download');
  }
  get downloadData() {
    return path.join(this.download, 'data');
  }
  get log() {
    return path.join(this.dir, 'upgrade.log');
  }
  get work() {
    return path.join(this.dir, 'work');
  }

  async ensure(): Promise<void> {
    // The SSH server's user must traverse it to its transfer folder, and read nothing else here.
    await mkdir(this.dir, { recursive: true, mode: 0o711 });
  }

  /** Appends lines to the upgrade log, each prefixed with its UTC time as Odoo's logs are. */
  async appendLog(...lines: string[]): Promise<void> {
    await this.ensure();
    const at = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    await appendFile(this.log, lines.map((l) => `${at} ${l}\n`).join(''));
  }

  async logSize(): Promise<number> {
    return stat(this.log).then((s) => s.size, () => 0);
  }

  /** The log from byte `offset`, at most `max` bytes, cut back to a whole UTF-8 character. */
  async readLog(offset: number, max = 64 * 1024): Promise<{ data: string; offset: number }> {
    const handle = await open(this.log, 'r').catch(() => undefined);
    if (!handle) return { data: '', offset };
    try {
      const buf = Buffer.alloc(max);
      const { bytesRead } = await handle.read(buf, 0, max, offset);
      let end = bytesRead;
      if (bytesRead === max) end = wholeUtf8(buf, bytesRead);
      return { data: buf.subarray(0, end).toString('utf8'), offset: offset + end };
    } finally {
      await handle.close();
    }
  }

  /** The log's bytes from `offset`, at most `max`, cut back to a whole UTF-8 character. */
  async readLogBytes(offset: number, max = 64 * 1024): Promise<{ bytes: Buffer }> {
    const handle = await open(this.log, 'r').catch(() => undefined);
    if (!handle) return { bytes: Buffer.alloc(0) };
    try {
      const buf = Buffer.alloc(max);
      const { bytesRead } = await handle.read(buf, 0, max, offset);
      const end = bytesRead === max ? wholeUtf8(buf, bytesRead) : bytesRead;
      return { bytes: buf.subarray(0, end) };
    } finally {
      await handle.close();
    }
  }

  /** A taken upload no longer needed (cancelled, refused). */
  async archiveOrigin(): Promise<void> {
    await rm(this.origin, { recursive: true, force: true });
  }

  /** The end of the log (the request page shows it). */
  async logTail(bytes: number): Promise<string> {
    const size = await this.logSize();
    const start = Math.max(0, size - bytes);
    const { data } = await this.readLog(start, size - start);
    // A tail starting mid-line (or mid-character) starts at the next line.
    return start > 0 ? data.slice(data.indexOf('\n') + 1) : data;
  }

  async clearWork(): Promise<void> {
    await rm(this.work, { recursive: true, force: true });
  }

  /** Archiving: the dump, the work and the results go; the log stays (status still answers). */
  async archive(): Promise<void> {
    for (const dir of [this.upload, this.origin, this.work, this.download, `${this.download}.partial`]) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** The length of `buf[0..length)` without a UTF-8 sequence cut at its end. */
function wholeUtf8(buf: Buffer, length: number): number {
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = buf[length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? length - back : length;
  }
  return length;
}
