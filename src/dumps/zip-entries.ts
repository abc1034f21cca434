import { close, createReadStream, fstat, open as openFd, read, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32, deflateRaw, deflateRawSync } from 'node:zlib';
import { Reader } from '@zip.js/zip.js';

/** Zip's compression methods, as zip.js needs them with `passThrough`. */
export const STORED = 0;
export const DEFLATED = 8;

const SAMPLE_BYTES = 16 * 1024;
/** Below this, a round trip to libuv's thread pool costs more than deflating on the spot. */
const SYNC_DEFLATE_BYTES = 16 * 1024;
const deflateRawAsync = promisify(deflateRaw);

/** Raw deflate of a buffer, off the main thread unless it is tiny. */
export async function deflateBuffer(content: Buffer, level: number): Promise<Buffer> {
  return content.length < SYNC_DEFLATE_BYTES
    ? deflateRawSync(content, { level })
    : deflateRawAsync(content, { level });
}

/**
 * Attachments are mostly already compressed (PDF, JPEG, PNG, Office files): deflating them
 * costs time and gains nothing. A sample of the start of the content decides (a file's: read
 * from it), deflated on the spot: a sample is too small to pay a trip to the thread pool
 * (~0.1 ms here, 0.3 ms of CPU there).
 */
export async function worthDeflating(content: Buffer | string): Promise<boolean> {
  let sample: Buffer;
  if (typeof content === 'string') {
    const fh = await open(content, 'r');
    try {
      const buf = Buffer.alloc(SAMPLE_BYTES);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      sample = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } else {
    if (content.length < 512) return true;
    sample = content.subarray(0, SAMPLE_BYTES);
  }
  return deflateRawSync(sample, { level: 1 }).length < sample.length * 0.9;
}

const openFdAsync = promisify(openFd);
const fstatAsync = promisify(fstat);
const readAsync = promisify(read);
const closeAsync = promisify(close);

/**
 * A file's status, and its content when it is at most `wholeBytes` long: one open, one stat and
 * one read, all on libuv's thread pool (no separate stat before it, which queued behind the
 * reads ahead and held up the walk), and through plain descriptors: fs/promises' FileHandle
 * costs a transferable object per file.
 */
export async function readIfSmall(
  file: string,
  wholeBytes: number,
  /** Where to read it (at least `wholeBytes` long): the content is a view of it. A new buffer when absent. */
  into?: Buffer,
): Promise<{ stats: Stats; content?: Buffer }> {
  const fd = await openFdAsync(file, 'r');
  try {
    const stats = await fstatAsync(fd);
    if (stats.size > wholeBytes) return { stats };
    const content = into ? into.subarray(0, stats.size) : Buffer.allocUnsafeSlow(stats.size);
    for (let filled = 0; filled < content.length;) {
      const { bytesRead } = await readAsync(fd, content, filled, content.length - filled, filled);
      if (!bytesRead) throw new Error(`${file} ended at ${filled} bytes, ${stats.size} expected`);
      filled += bytesRead;
    }
    return { stats, content };
  } finally {
    await closeAsync(fd);
  }
}

/** CRC-32 and size of a file, read through once by node's native zlib.crc32. */
export async function fileCrc32(file: string): Promise<{ crc32: number; size: number }> {
  let crc = 0;
  let size = 0;
  for await (const piece of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    crc = crc32(piece as Buffer, crc);
    size += (piece as Buffer).length;
  }
  return { crc32: crc, size };
}

/**
 * A file as zip.js reads it: the pieces it asks for, at their offsets, one at a time, so reading
 * keeps the pace of writing (a web stream from Readable.toWeb read a whole temporary file ahead
 * into memory). Its size being known up front, zip.js writes the entry's header whole and no
 * data descriptor. `expectedSize` (the size its CRC was computed on) guards against a file that
 * changed in between: a zip with a wrong CRC would only fail at restore.
 */
export class FileReader extends Reader<string> {
  private handle: FileHandle | undefined;

  constructor(
    private readonly file: string,
    private readonly expectedSize?: number,
  ) {
    super(file);
  }

  override async init(): Promise<void> {
    this.handle = await open(this.file, 'r');
    this.size = (await this.handle.stat()).size;
    if (this.expectedSize !== undefined && this.size !== this.expectedSize)
      throw new Error(
        `${this.file} changed while it was dumped (${this.expectedSize} bytes, now ${this.size})`,
      );
    await super.init?.();
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    if (!this.handle) throw new Error(`${this.file} read before it was opened`);
    const buf = Buffer.allocUnsafeSlow(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buf, filled, length - filled, index + filled);
      if (!bytesRead) throw new Error(`${this.file} ended at ${index + filled} bytes, ${this.size} expected`);
      filled += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

/** A buffer as zip.js reads it: views of it, where zip.js's Uint8ArrayReader copies every piece. */
export class BufferReader extends Reader<Buffer> {
  constructor(private readonly content: Buffer) {
    super(content);
    this.size = content.length;
  }

  override readUint8Array(index: number, length: number): Promise<Uint8Array> {
    return Promise.resolve(this.content.subarray(index, index + length));
  }
}
