// One thread of the dump's parallel deflate (see parallel-deflate.ts). Plain JavaScript on
// purpose: a worker thread does not inherit the TypeScript loader of its parent (tsx, vitest).
import { parentPort } from 'node:worker_threads';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** The slice of a chunk that decides how to deflate it. */
const PROBE_BYTES = 32 * 1024;
/** Huffman-only may come out this much larger than LZ77 and still be chosen: it is 3-4× faster. */
const HUFFMAN_SLACK = 1.02;

/**
 * Zlib's strategy for a chunk. Text with repeats (most of an Odoo dump) gains a lot from LZ77's
 * back-references; text of evenly spread symbols (hex of bytea columns, hashes, base64) gains
 * nothing from them, and there Huffman coding alone compresses as well at 3-4× the speed. A
 * slice from the chunk's middle, deflated both ways, tells which kind the chunk is: under 5 %
 * of the chunk's deflate time, for 3× less on chunks of the second kind.
 */
function strategyFor(data, level) {
  if (data.length < 4 * PROBE_BYTES) return constants.Z_DEFAULT_STRATEGY;
  const at = (data.length - PROBE_BYTES) >> 1;
  const probe = data.subarray(at, at + PROBE_BYTES);
  const lz = deflateRawSync(probe, { level: Math.min(level, 1) }).length;
  const huffman = deflateRawSync(probe, { strategy: constants.Z_HUFFMAN_ONLY }).length;
  return huffman <= lz * HUFFMAN_SLACK ? constants.Z_HUFFMAN_ONLY : constants.Z_DEFAULT_STRATEGY;
}

/**
 * A task is one chunk of an entry and its level. Level 0: stored as it is, only its CRC is
 * wanted, and the chunk goes back. Otherwise the 32 KB before the chunk is the dictionary
 * (what the inflater holds in its window when it reaches this chunk, so back-references into
 * it are valid), and Z_SYNC_FLUSH ends the chunk on a byte boundary without a final block, so
 * the chunks' outputs concatenate into one deflate stream (each chunk may use its own
 * strategy: the stream's blocks are independent of how they were chosen). Buffers move,
 * never copied.
 */
parentPort.on('message', (task) => {
  try {
    const crc = crc32(task.data);
    if (task.level === 0) {
      parentPort.postMessage({ id: task.id, deflated: task.data, crc }, [task.data.buffer]);
      return;
    }
    // One output buffer as large as the worst case, moved to the parent whole: this thread
    // then makes no garbage (its heap barely grows, so it would seldom collect it, and RSS
    // would pile up by tens of MB).
    const out = deflateRawSync(task.data, {
      level: task.level,
      strategy: strategyFor(task.data, task.level),
      dictionary: task.dictionary,
      finishFlush: constants.Z_SYNC_FLUSH,
      chunkSize: Math.max(64 * 1024, task.data.length + (task.data.length >> 10) + 1024),
    });
    // Not Node's shared 8 KB pool (a small output could come from it): that one is copied.
    const own = out.buffer.byteLength > 8192 ? out : new Uint8Array(out);
    // The input goes back too, to carry a next chunk.
    parentPort.postMessage({ id: task.id, deflated: own, input: task.data, crc }, [own.buffer, task.data.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: task.id, error: e instanceof Error ? e.message : String(e) });
  }
});
