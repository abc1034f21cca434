import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { constants, deflateRawSync } from 'node:zlib';
import { crc32Combine } from './crc32-combine.js';

/**
 * Deflate is the dump's bottleneck (node's zlib does ~50 MB/s of SQL per core at level 1, while
 * pg_dump writes it several times faster), so an entry is cut into chunks that worker threads
 * deflate at once, pigz's way: each chunk with the 32 KB before it as its dictionary and ended
 * by Z_SYNC_FLUSH, the outputs joined in order, then zlib's own empty final block (Z_FINISH).
 * Each worker also computes its chunk's CRC-32; the entry's is combined from them.
 */

export const DEFLATE_CHUNK_BYTES = 1024 * 1024;
/** Deflate's window: a chunk may refer back this far, into the chunk before it. */
const WINDOW_BYTES = 32 * 1024;
/** Ends the stream: an empty block with BFINAL set, as zlib makes it. */
const FINAL_BLOCK = deflateRawSync(Buffer.alloc(0), { finishFlush: constants.Z_FINISH });

interface ChunkResult {
  deflated: Buffer;
  /** A deflated chunk's input, handed back for reuse. */
  input?: Buffer;
  crc: number;
  length: number;
}

interface Pending {
  resolve(r: ChunkResult): void;
  reject(e: Error): void;
  length: number;
}

interface WorkerAnswer {
  id: number;
  deflated?: Uint8Array;
  input?: Uint8Array;
  crc?: number;
  error?: string;
}

class DeflateThread {
  readonly pending = new Map<number, Pending>();
  private failed: Error | undefined;
  constructor(readonly worker: Worker) {
    worker.on('message', (m: WorkerAnswer) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined || !m.deflated) p.reject(new Error(`deflate failed: ${m.error}`));
      else
        p.resolve({
          deflated: Buffer.from(m.deflated.buffer, m.deflated.byteOffset, m.deflated.byteLength),
          input: m.input && Buffer.from(m.input.buffer, m.input.byteOffset, m.input.byteLength),
          crc: m.crc!,
          length: p.length,
        });
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a deflate thread exited (${code})`)));
  }

  run(id: number, data: Buffer, dictionary: Buffer | undefined, level: number): Promise<ChunkResult> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, length: data.length });
      // `data` owns its whole ArrayBuffer (allocUnsafeSlow): moved to the thread, not copied.
      this.worker.postMessage({ id, data, dictionary, level }, [data.buffer as ArrayBuffer]);
    });
  }
}

/** The threads of one dump; `close()` ends them. */
export class DeflatePool {
  private readonly threads: DeflateThread[];
  private nextId = 0;

  constructor(size = Math.min(4, availableParallelism())) {
    this.threads = Array.from(
      { length: Math.max(1, size) },
      () => new DeflateThread(new Worker(new URL('./deflate-worker.js', import.meta.url))),
    );
  }

  get size(): number {
    return this.threads.length;
  }

  /**
   * Chunk buffers come back from the threads and carry the next chunks: allocating a fresh MB
   * per chunk let garbage pile up in the threads (their heaps barely grow, so they seldom
   * collect), over 100 MB of RSS on a 1 GB dump.
   */
  private spare: Buffer[] = [];

  chunkBuffer(size: number): Buffer {
    const i = this.spare.findIndex((b) => b.length === size);
    return i >= 0 ? this.spare.splice(i, 1)[0] : Buffer.allocUnsafeSlow(size);
  }

  giveBack(buf: Buffer): void {
    if (this.spare.length < this.threads.length * 3) this.spare.push(buf);
  }

  /** Deflates one chunk on the least busy thread. `data` is handed over: the caller must not reuse it. */
  deflateChunk(data: Buffer, dictionary: Buffer | undefined, level: number): Promise<ChunkResult> {
    const thread = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    return thread.run(this.nextId++, data, dictionary, level);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}

/** Buffers that own their memory exactly (never a slice of node's shared pool), so they can be transferred. */
function ownedCopy(src: Buffer, start = 0, end = src.length): Buffer {
  const out = Buffer.allocUnsafeSlow(end - start);
  src.copy(out, 0, start, end);
  return out;
}

/** The source re-cut into chunks of `size` bytes (the last one shorter), each in memory of its own. */
async function* rechunk(pool: DeflatePool, source: AsyncIterable<Buffer | string>, size: number): AsyncGenerator<Buffer> {
  let chunk = pool.chunkBuffer(size);
  let filled = 0;
  for await (const piece of source) {
    const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
    for (let at = 0; at < buf.length; ) {
      const n = Math.min(size - filled, buf.length - at);
      buf.copy(chunk, filled, at, at + n);
      filled += n;
      at += n;
      if (filled === size) {
        yield chunk;
        chunk = pool.chunkBuffer(size);
        filled = 0;
      }
    }
  }
  if (filled) yield ownedCopy(chunk, 0, filled);
}

/** An entry's raw deflate stream, and once it is read to the end, the CRC-32 and size of what went in. */
export interface DeflatedBody {
  data: AsyncIterable<Buffer>;
  digest(): { crc32: number; size: number };
}

export interface DeflateOptions {
  level: number;
  chunkBytes?: number;
}

/**
 * Chunks through the pool, in order: at most two per thread in flight, so memory stays a few
 * MB whatever the entry's size.
 */
function throughPool(pool: DeflatePool, chunks: AsyncIterable<Buffer>, level: number): DeflatedBody {
  let crc = 0;
  let size = 0;
  let finished = false;
  async function* run(): AsyncGenerator<Buffer> {
    const inFlight: Promise<ChunkResult>[] = [];
    let dictionary: Buffer | undefined;
    const settle = async (): Promise<Buffer> => {
      const r = await inFlight.shift()!;
      if (r.input) pool.giveBack(r.input);
      crc = crc32Combine(crc, r.crc, r.length);
      size += r.length;
      return r.deflated;
    };
    try {
      for await (const chunk of chunks) {
        const tail = level ? ownedCopy(chunk, Math.max(0, chunk.length - WINDOW_BYTES)) : undefined;
        const task = pool.deflateChunk(chunk, dictionary, level);
        // Awaited in order below; until then a failure must not count as unhandled.
        task.catch(() => undefined);
        inFlight.push(task);
        dictionary = tail;
        while (inFlight.length >= pool.size * 2) yield await settle();
      }
      while (inFlight.length) yield await settle();
      if (level) yield FINAL_BLOCK;
      finished = true;
    } finally {
      // Abandoned half-way (an error, the consumer stopped): the chunks still running are dropped.
      inFlight.length = 0;
    }
  }
  return {
    data: run(),
    digest() {
      if (!finished) throw new Error('the entry was not read to its end');
      return { crc32: crc, size };
    },
  };
}

/** Deflates `source` on the pool into one raw deflate stream. */
export function deflateInParallel(
  pool: DeflatePool,
  source: AsyncIterable<Buffer | string>,
  options: DeflateOptions,
): DeflatedBody {
  if (!(options.level >= 1 && options.level <= 9)) throw new RangeError(`deflate level ${options.level}`);
  return throughPool(pool, rechunk(pool, source, options.chunkBytes ?? DEFLATE_CHUNK_BYTES), options.level);
}
