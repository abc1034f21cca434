import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync } from 'node:zlib';
import { configure, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js';
import type { App } from '../app.js';
import { walkFiles } from '../hosting/backup-files.js';
import { spawnPgTool } from '../hosting/backup-pg.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { odooManifest, type OdooManifest } from './manifest.js';
import { DeflatePool, deflateInParallel } from './parallel-deflate.js';

// Node has no web workers: zip.js compresses on the calling thread (the filestore's few
// compressible files); dump.sql is deflated on our own threads and passed through.
configure({ useWebWorkers: false });

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
/** zip.js's method number for deflate, required with `passThrough`. */
const DEFLATED = 8;

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

/** A file as the web stream zip.js reads, in large pieces. */
function fileStream(file: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(file, { highWaterMark: READ_BYTES })) as ReadableStream<Uint8Array>;
}

export interface ZipProgress {
  (fraction: number): void;
}

export interface DumpZipContent {
  /** dump.sql as it comes (pg_dump's output), read once, never held whole. */
  sql: AsyncIterable<Buffer>;
  /** Settles once `sql` is read: rejects if it was cut short (pg_dump's exit status). */
  sqlDone?: Promise<unknown>;
  manifest: OdooManifest;
  /** The database's filestore folder (may not exist). */
  filestore: string;
}

/**
 * Writes a zip in Odoo's database manager format: dump.sql, manifest.json, then filestore/.
 * The container is zip.js's. dump.sql's CRC and size, which its header needs, are only known
 * once it is all deflated, so the parallel deflate first writes it to `<file>.sql.deflated`
 * (beside the zip, in the job's folder; compressed, never the SQL unzipped) and zip.js then
 * copies it in as it is (`passThrough`). The zip is written to `<file>.partial` and renamed
 * when whole, so a half zip never carries the final name; a rerun starts both files afresh.
 */
export async function writeDumpZip(pool: DeflatePool, content: DumpZipContent, file: string): Promise<number> {
  const partial = `${file}.partial`;
  const sqlFile = `${file}.sql.deflated`;
  await rm(partial, { force: true });
  await rm(sqlFile, { force: true });
  const out = createWriteStream(partial);
  const closed = once(out, 'close');
  closed.catch(() => undefined);
  try {
    const body = deflateInParallel(pool, content.sql, { level: DUMP_SQL_LEVEL });
    await pipeline(Readable.from(body.data), createWriteStream(sqlFile));
    await content.sqlDone;
    const sql = body.digest();

    const zip = new ZipWriter(Writable.toWeb(out));
    const now = new Date();
    await zip.add('dump.sql', fileStream(sqlFile), {
      passThrough: true,
      compressionMethod: DEFLATED,
      level: DUMP_SQL_LEVEL,
      uncompressedSize: sql.size,
      crc32: sql.crc32,
      lastModDate: now,
    });
    await rm(sqlFile, { force: true });
    const manifest = Buffer.from(JSON.stringify(content.manifest, null, 4));
    await zip.add('manifest.json', new Uint8ArrayReader(manifest), { level: FILESTORE_LEVEL, lastModDate: now });

    for await (const rel of walkFiles(content.filestore)) {
      const real = path.join(content.filestore, rel);
      const st = await stat(real);
      await zip.add(`filestore/${rel}`, fileStream(real), {
        level: (await worthDeflating(real, st.size)) ? FILESTORE_LEVEL : 0,
        uncompressedSize: st.size,
        lastModDate: st.mtime,
      });
    }
    await zip.close();
    await closed;
  } catch (e) {
    out.destroy();
    await closed.catch(() => undefined);
    await rm(partial, { force: true });
    await rm(sqlFile, { force: true });
    throw e;
  }
  await rename(partial, file);
  return (await stat(file)).size;
}

/** The zip of a database: its manifest, pg_dump's SQL and its filestore (see writeDumpZip). */
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
  const pool = new DeflatePool();
  const pgDump = await spawnPgTool(server, 'pg_dump', ['--no-owner', '--dbname', database.name]);
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
  try {
    const size = await writeDumpZip(
      pool,
      { sql: sql(), sqlDone: pgDump.done, manifest, filestore: databaseFilestore(server.filestore_root, database.name) },
      file,
    );
    onProgress?.(1);
    return size;
  } catch (e) {
    pgDump.kill();
    throw e;
  } finally {
    await pool.close();
  }
}
