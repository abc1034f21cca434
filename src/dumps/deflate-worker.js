// One thread of the dump's parallel deflate (see parallel-deflate.ts). Plain JavaScript on
// purpose: a worker thread does not inherit the TypeScript loader of its parent (tsx, vitest).
import { parentPort } from 'node:worker_threads';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * A task is one chunk of the entry, with the 32 KB before it as the dictionary (what the
 * inflater holds in its window when it reaches this chunk, so back-references into it are
 * valid). Z_SYNC_FLUSH ends the chunk on a byte boundary without a final block, so the
 * chunks' outputs concatenate into one deflate stream.
 */
parentPort.on('message', (task) => {
  try {
    // Level 0: the chunk is stored as it is; only its CRC is wanted, and it goes back unchanged.
    const out =
      task.level === 0
        ? task.data
        : deflateRawSync(task.data, {
            level: task.level,
            dictionary: task.dictionary,
            finishFlush: constants.Z_SYNC_FLUSH,
          });
    const crc = crc32(task.data);
    // Hand the output over without a copy when it owns its memory (it does above a few KB).
    const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    parentPort.postMessage({ id: task.id, deflated: out, crc }, own ? [out.buffer] : []);
  } catch (e) {
    parentPort.postMessage({ id: task.id, error: e instanceof Error ? e.message : String(e) });
  }
});
