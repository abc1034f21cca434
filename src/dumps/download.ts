import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { DomainError, NotAllowed, NotFound } from '../errors.js';
import { findDump } from '../metabase/repositories/dumps.js';
import { checkDumpLink } from './link.js';

export class Gone extends DomainError {
  constructor(message: string) {
    super('gone', 410, message);
  }
}

/** One `bytes=` range (several ranges are answered with the whole file, which HTTP allows). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/**
 * GET on a dump's signed link: no session; 403 when the link was changed, 410 when it expired
 * or the dump is gone. The file is streamed from disk (memory stays flat whatever its size),
 * with single-range requests so a broken download resumes.
 */
export async function serveDumpDownload(
  app: App,
  params: { id: number; expires: string; signature: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const check = checkDumpLink(app, params.id, params.expires, params.signature);
  if (check === 'tampered')
    throw new NotAllowed('This download link is not valid (it was changed or is incomplete).');
  if (check === 'expired')
    throw new Gone('This download link has expired: prepare a new dump from the Tools page.');
  const dump = await findDump(app.metabase, params.id);
  if (!dump) throw new NotFound('This dump does not exist.');
  if (dump.state !== 'ready' || !dump.path)
    throw new Gone('This dump is no longer available: prepare a new one.');
  const st = await stat(dump.path).catch(() => undefined);
  if (!st) throw new Gone('This dump is no longer available: prepare a new one.');
  const size = st.size;
  const etag = `"${dump.id}-${size}-${st.mtimeMs.toFixed(0)}"`;
  const ifRange = request.headers['if-range'];
  const range = ifRange && ifRange !== etag ? null : parseRange(request.headers.range, size);
  reply.header('accept-ranges', 'bytes');
  reply.header('etag', etag);
  reply.header('last-modified', st.mtime.toUTCString());
  reply.header('content-type', 'application/zip');
  reply.header('cache-control', 'private, no-store');
  const stamp = (dump.ready_at ?? st.mtime).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '_');
  reply.header('content-disposition', `attachment; filename="${dump.database_name}_${stamp}.zip"`);
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${size}`);
    await reply.status(416).send();
    return;
  }
  if (range) {
    reply.status(206);
    reply.header('content-range', `bytes ${range.start}-${range.end}/${size}`);
    reply.header('content-length', range.end - range.start + 1);
    await reply.send(
      request.method === 'HEAD' ? '' : createReadStream(dump.path, { start: range.start, end: range.end }),
    );
    return;
  }
  reply.header('content-length', size);
  await reply.send(request.method === 'HEAD' ? '' : createReadStream(dump.path));
}
