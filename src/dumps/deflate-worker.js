// One thread of the dump's parallel deflate (see parallel-deflate.ts). Plain JavaScript on
// purpose: a worker thread does not inherit the TypeScript loader of its parent (tsx, vitest).
import { parentPort } from 'node:worker_threads';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * A task is one chunk of an entry and its level. Level 0: stored as it is, only its CRC is
 * wanted, and the chunk goes back. Otherwise the 32 KB before the chunk is the dictionary
 * (what the inflater holds in its window when it reaches this chunk, so back-references into
 * it are valid), and Z_SYNC_FLUSH ends the chunk on a byte boundary without a final block, so
 * the chunks' outputs concatenate into one deflate stream. Buffers move, never copied.
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
