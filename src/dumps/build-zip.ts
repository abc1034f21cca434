import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import type { App } from '../app.js';
import { walkFiles } from '../hosting/backup-files.js';
import { spawnPgTool } from '../hosting/backup-pg.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { odooManifest } from './manifest.js';
import { DeflatePool, deflateInParallel, storeInParallel } from './parallel-deflate.js';
import { ZipWriter, type ZipBody } from './zip-writer.js';

/**
 * Deflate level of dump.sql. Deflating is the dump's bottleneck, not pg_dump (on the bench's
 * 300 MB of SQL, pg_dump alone takes 0.5 s and node's deflate at level 1 6.8 s on one core),
 * hence level 1 and the parallel deflate; higher levels gain little on SQL text.
 */
export const DUMP_SQL_LEVEL = 1;
/** Filestore files worth deflating are few and small (text, XML, SVG): the usual level. */
const FILESTORE_LEVEL = 6;
const SAMPLE_BYTES = 16 * 1024;
const READ_BYTES = 1024 * 1024;

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

function deflatedBuffer(buf: Buffer): ZipBody {
  return {
    data: [deflateRawSync(buf)],
    digest: () => ({ crc32: crc32(buf), size: buf.length }),
  };
}

export interface ZipProgress {
  (fraction: number): void;
}

/**
 * Builds a zip in Odoo's database manager format: dump.sql first (plain `pg_dump --no-owner`,
 * streamed straight into its deflated entry by the parallel deflate, never held in memory nor
 * written unzipped), manifest.json, then filestore/. Written to `<file>.partial` and renamed
 * when whole, so a half zip never carries the final name.
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
  const out = await open(partial, 'w');
  const pool = new DeflatePool();
  const pgDump = await spawnPgTool(server, 'pg_dump', ['--no-owner', '--dbname', database.name]);
  try {
    const zip = new ZipWriter(out);
    let sqlBytes = 0;
    let lastReport = 0;
    async function* sql(): AsyncGenerator<Buffer> {
      for await (const piece of pgDump.stdout) {
        const buf = piece as Buffer;
        sqlBytes += buf.length;
        if (onProgress && sqlBytes - lastReport > 16 * 1024 * 1024) {
          lastReport = sqlBytes;
          onProgress(Math.min(0.9, (0.7 * sqlBytes) / Math.max(estimate, 1)));
        }
        yield buf;
      }
    }
    const now = new Date();
    await zip.add('dump.sql', deflateInParallel(pool, sql(), { level: DUMP_SQL_LEVEL }), {
      method: 'deflated',
      mtime: now,
    });
    // pg_dump failing half-way would leave a short dump.sql: its exit status decides.
    await pgDump.done;
    const manifestJson = Buffer.from(JSON.stringify(manifest, null, 4));
    await zip.add('manifest.json', deflatedBuffer(manifestJson), {
      method: 'deflated',
      mtime: now,
      size: manifestJson.length,
    });

    const root = databaseFilestore(server.filestore_root, database.name);
    for await (const rel of walkFiles(root)) {
      const real = path.join(root, rel);
      const st = await stat(real);
      const deflate = await worthDeflating(real, st.size);
      const body = deflate
        ? deflateInParallel(pool, createReadStream(real, { highWaterMark: READ_BYTES }), { level: FILESTORE_LEVEL })
        : storeInParallel(pool, real);
      await zip.add(`filestore/${rel}`, body, {
        method: deflate ? 'deflated' : 'stored',
        mtime: st.mtime,
        size: st.size,
      });
    }
    await zip.finish();
    await out.close();
  } catch (e) {
    pgDump.kill();
    await out.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw e;
  } finally {
    await pool.close();
  }
  await rename(partial, file);
  onProgress?.(1);
  return (await stat(file)).size;
}
