import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync } from 'node:zlib';
import yazl from 'yazl';
import type { App } from '../app.js';
import { walkFiles } from '../hosting/backup-files.js';
import { spawnPgTool } from '../hosting/backup-pg.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { odooManifest } from './manifest.js';

/**
 * Deflate level of dump.sql. Deflating is the dump's bottleneck, not pg_dump: on the bench's
 * 300 MB of SQL, pg_dump alone takes 0.5 s and node's deflate at level 1 6.8 s (gzip -1 4.4 s).
 * 1 is yazl's fastest deflate; higher levels gain little on SQL text.
 */
export const DUMP_SQL_LEVEL = 1;
const SAMPLE_BYTES = 16 * 1024;

/**
 * Attachments are mostly already compressed (PDF, JPEG, PNG, Office files): deflating them
 * costs time and gains nothing. A sample of the start of the file decides.
 */
async function worthDeflating(file: string, size: number): Promise<boolean> {
  if (size < 512) return true;
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const sample = buf.subarray(0, bytesRead);
    return deflateRawSync(sample, { level: 1 }).length < sample.length * 0.9;
  } finally {
    await fh.close();
  }
}

export interface ZipProgress {
  (fraction: number): void;
}

/**
 * Builds a zip in Odoo's database manager format: dump.sql first (plain `pg_dump --no-owner`,
 * streamed straight into its deflated entry, never held in memory nor written unzipped),
 * manifest.json, then filestore/. Written to `<file>.partial` and renamed when whole, so a
 * half zip never carries the final name.
 */
export async function buildOdooZip(
  app: App,
  database: DatabaseRow,
  file: string,
  onProgress?: ZipProgress,
): Promise<number> {
  const server = await app.tenants.server(database.server_id);
  const manifest = await app.tenants.withTenant(database, (c) =>
    odooManifest(c, database.name, database.version),
  );
  const estimate = await app.tenants.withCluster(server.id, async (admin) => {
    const r = await admin.query<{ size: number }>('SELECT pg_database_size($1) AS size', [database.name]);
    return r.rows[0].size;
  });
  const partial = `${file}.partial`;
  await rm(partial, { force: true });
  const zip = new yazl.ZipFile();
  const written = pipeline(zip.outputStream, createWriteStream(partial));
  written.catch(() => undefined);
  const zipFailed = new Promise<never>((_, reject) => zip.on('error', reject));
  zipFailed.catch(() => undefined);

  const pgDump = await spawnPgTool(server, 'pg_dump', ['--no-owner', '--dbname', database.name]);
  let sqlBytes = 0;
  let lastReport = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sqlBytes += chunk.length;
      if (onProgress && sqlBytes - lastReport > 16 * 1024 * 1024) {
        lastReport = sqlBytes;
        onProgress(Math.min(0.9, (0.7 * sqlBytes) / Math.max(estimate, 1)));
      }
      cb(null, chunk);
    },
  });
  pgDump.stdout.pipe(counter);
  zip.addReadStream(counter, 'dump.sql', { compressionLevel: DUMP_SQL_LEVEL, mtime: new Date() });
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 4)), 'manifest.json', { mtime: new Date() });

  try {
    const root = databaseFilestore(server.filestore_root, database.name);
    for await (const rel of walkFiles(root)) {
      const real = path.join(root, rel);
      const st = await stat(real);
      const level = (await worthDeflating(real, st.size)) ? 6 : 0;
      zip.addReadStreamLazy(
        `filestore/${rel}`,
        { size: st.size, mtime: st.mtime, compressionLevel: level },
        (cb) => cb(null, createReadStream(real)),
      );
    }
    zip.end();
    // pg_dump failing half-way would leave a short dump.sql: its exit status decides.
    await Promise.race([Promise.all([pgDump.done, written]), zipFailed]);
  } catch (e) {
    pgDump.kill();
    (zip.outputStream as NodeJS.ReadableStream & { destroy(): void }).destroy();
    await rm(partial, { force: true });
    throw e;
  }
  await rename(partial, file);
  onProgress?.(1);
  return (await stat(file)).size;
}
