import type { FileHandle } from 'node:fs/promises';

/**
 * A streaming zip writer for the dump (the container only: entries arrive already deflated or
 * stored). yazl, which wrote the dump before, deflates every entry itself in one zlib stream
 * (its 3.3.1 has no way to add data deflated elsewhere), so the parallel deflate of dump.sql
 * needs its own writer. Every entry is streamed: local header, data, then a data descriptor
 * with its CRC and sizes (general purpose bit 3). ZIP64 records are written where a size, an
 * offset or the number of entries needs them (APPNOTE 4.3.9, 4.5.3), and for every entry
 * whose size is not known up front, since dump.sql may pass 4 GB.
 */

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;
const ZIP64_EXTRA = 0x0001;
/** Bit 3: CRC and sizes follow the data; bit 11: the name is UTF-8. */
const FLAGS = (1 << 3) | (1 << 11);
const VERSION = 20;
const VERSION_ZIP64 = 45;
/** Made by: UNIX (the high byte), so the external attributes carry the file mode. */
const MADE_BY = (3 << 8) | VERSION_ZIP64;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const FLUSH_BYTES = 512 * 1024;

export type ZipMethod = 'stored' | 'deflated';

/** An entry's bytes as they go in the archive, and once read to the end, the CRC-32 and size of the content. */
export interface ZipBody {
  data: AsyncIterable<Buffer> | Iterable<Buffer>;
  digest(): { crc32: number; size: number };
}

export interface ZipEntryOptions {
  method: ZipMethod;
  mtime: Date;
  /** The content's size when known (filestore files): small entries then skip the ZIP64 records. */
  size?: number;
  mode?: number;
}

interface CentralEntry {
  name: Buffer;
  method: number;
  time: number;
  date: number;
  crc32: number;
  compressedSize: number;
  size: number;
  offset: number;
  mode: number;
  zip64: boolean;
}

/** MS-DOS date and time, in local time as zip tools read them. */
function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

function zip64Extra(fields: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * fields.length);
  b.writeUInt16LE(ZIP64_EXTRA, 0);
  b.writeUInt16LE(8 * fields.length, 2);
  fields.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: CentralEntry[] = [];

  constructor(private readonly out: FileHandle) {}

  /** Bytes written so far. */
  get written(): number {
    return this.offset;
  }

  /** Headers and small files wait here, so a filestore of many small files costs few system calls. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private async write(buf: Buffer): Promise<void> {
    this.offset += buf.length;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    for (let at = 0; at < buf.length; ) {
      const { bytesWritten } = await this.out.write(buf, at, buf.length - at);
      at += bytesWritten;
    }
  }

  async add(name: string, body: ZipBody, options: ZipEntryOptions): Promise<void> {
    const utf8 = Buffer.from(name, 'utf8');
    if (utf8.length > MAX16) throw new Error(`zip entry name too long: ${name.slice(0, 80)}…`);
    const method = options.method === 'deflated' ? 8 : 0;
    const { date, time } = dosDateTime(options.mtime);
    // Deflate may grow incompressible data a little: stay well clear of the 32-bit limit.
    const zip64 = options.size === undefined || options.size >= MAX32 - 64 * 1024 * 1024;
    const offset = this.offset;
    const extra = zip64 ? zip64Extra([0, 0]) : Buffer.alloc(0);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    // CRC and sizes stay 0 here: bit 3 says they are in the data descriptor.
    header.writeUInt16LE(utf8.length, 26);
    header.writeUInt16LE(extra.length, 28);
    await this.write(Buffer.concat([header, utf8, extra]));

    let compressedSize = 0;
    for await (const piece of body.data) {
      compressedSize += piece.length;
      await this.write(piece);
    }
    const { crc32, size } = body.digest();
    if (options.size !== undefined && size !== options.size)
      throw new Error(`${name} changed while it was zipped (${size} bytes, ${options.size} expected)`);
    if (!zip64 && (size >= MAX32 || compressedSize >= MAX32)) throw new Error(`${name} needs ZIP64 sizes`);

    const descriptor = Buffer.alloc(zip64 ? 24 : 16);
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(crc32, 4);
    if (zip64) {
      descriptor.writeBigUInt64LE(BigInt(compressedSize), 8);
      descriptor.writeBigUInt64LE(BigInt(size), 16);
    } else {
      descriptor.writeUInt32LE(compressedSize, 8);
      descriptor.writeUInt32LE(size, 12);
    }
    await this.write(descriptor);
    this.entries.push({
      name: utf8,
      method,
      time,
      date,
      crc32,
      compressedSize,
      size,
      offset,
      mode: options.mode ?? 0o100644,
      // An offset past 4 GB needs the ZIP64 field in the central directory too.
      zip64: zip64 || offset >= MAX32,
    });
  }

  /** Writes the central directory and the end records; answers the archive's size. */
  async finish(): Promise<number> {
    const start = this.offset;
    for (const e of this.entries) {
      const extra = e.zip64 ? zip64Extra([e.size, e.compressedSize, e.offset]) : Buffer.alloc(0);
      const h = Buffer.alloc(46);
      h.writeUInt32LE(CENTRAL_HEADER, 0);
      h.writeUInt16LE(MADE_BY, 4);
      h.writeUInt16LE(e.zip64 ? VERSION_ZIP64 : VERSION, 6);
      h.writeUInt16LE(FLAGS, 8);
      h.writeUInt16LE(e.method, 10);
      h.writeUInt16LE(e.time, 12);
      h.writeUInt16LE(e.date, 14);
      h.writeUInt32LE(e.crc32, 16);
      h.writeUInt32LE(e.zip64 ? MAX32 : e.compressedSize, 20);
      h.writeUInt32LE(e.zip64 ? MAX32 : e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt16LE(extra.length, 30);
      h.writeUInt32LE((e.mode << 16) >>> 0, 38);
      h.writeUInt32LE(e.zip64 ? MAX32 : e.offset, 42);
      await this.write(Buffer.concat([h, e.name, extra]));
    }
    const cdSize = this.offset - start;
    const count = this.entries.length;
    const needs64 = count >= MAX16 || start >= MAX32 || cdSize >= MAX32;
    if (needs64) {
      const zip64End = this.offset;
      const r = Buffer.alloc(56 + 20);
      r.writeUInt32LE(ZIP64_END, 0);
      r.writeBigUInt64LE(44n, 4);
      r.writeUInt16LE(MADE_BY, 12);
      r.writeUInt16LE(VERSION_ZIP64, 14);
      r.writeBigUInt64LE(BigInt(count), 24);
      r.writeBigUInt64LE(BigInt(count), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(start), 48);
      r.writeUInt32LE(ZIP64_LOCATOR, 56);
      r.writeBigUInt64LE(BigInt(zip64End), 64);
      r.writeUInt32LE(1, 72);
      await this.write(r);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END, 0);
    end.writeUInt16LE(Math.min(count, MAX16), 8);
    end.writeUInt16LE(Math.min(count, MAX16), 10);
    end.writeUInt32LE(needs64 ? MAX32 : cdSize, 12);
    end.writeUInt32LE(needs64 ? MAX32 : start, 16);
    await this.write(end);
    await this.flush();
    return this.offset;
  }
}
