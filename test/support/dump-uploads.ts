import type { AgentSession } from './http.js';
import { baseUrl } from './platform.js';

/** What `POST /api/import-dump` answers. */
export interface UploadAnswer {
  status: number;
  body: { job?: { id: number }; error?: { message: string } };
}

/** Uploads a zip to `POST /api/import-dump` as the browser would (cookie, CSRF token, raw body). */
export async function uploadDump(session: AgentSession, name: string, body: Buffer): Promise<UploadAnswer> {
  const res = await fetch(`${baseUrl()}/api/import-dump?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'content-type': 'application/zip' },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as UploadAnswer['body'] };
}

export interface ZipEntry {
  name: string;
  data?: Buffer;
  /** Stored deflated: `size` zero bytes, compressed once. */
  zeros?: { deflated: Buffer; size: number };
}

/** A zip written byte by byte, so a test can make one no zip library would (duplicate names, bombs). */
export function rawZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.zeros ? e.zeros.deflated : e.data!;
    const size = e.zeros ? e.zeros.size : e.data!.length;
    const method = e.zeros ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
