import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { configure, ZipWriter, type Reader } from '@zip.js/zip.js';
import type { App } from '../app.js';
import { walkFiles } from '../hosting/backup-files.js';
import { spawnPgToolAs } from '../hosting/backup-pg.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { odooManifest, type OdooManifest } from './manifest.js';
import { DeflatePool, deflateInParallel } from './parallel-deflate.js';
import { crc32 } from 'node:zlib';
import {
  BufferReader,
  deflateBuffer,
  DEFLATED,
  fileCrc32,
  FileReader,
  readIfSmall,
  STORED,
  worthDeflating,
} from './zip-entries.js';

/**
 * zip.js only lays out the container here: every entry comes to it with its CRC and sizes
 * known and its data already deflated or stored (`passThrough`), computed by node's native
 * zlib, so zip.js neither hashes nor deflates in JavaScript. Its pieces are 1 MB (not its
 * 256 KB default): every piece crosses several web streams. Node has no web workers.
 */
configure({ useWebWorkers: false, chunkSize: 1024 * 1024 });

/**
 * Deflate level of dump.sql. Deflating is the dump's bottleneck, not pg_dump (on the bench's
 * 300 MB of SQL, pg_dump alone takes 0.5 s and node's deflate at level 1 6.8 s on one core),
 * hence level 1 and the parallel deflate; higher levels gain little on SQL text.
 */
export const DUMP_SQL_LEVEL = 1;
/** Filestore files worth deflating are few and small (text, XML, SVG): the usual level. */
const FILESTORE_LEVEL = 6;
/** Files up to this size are read once into memory; larger ones are streamed (twice when stored: CRC, then copy). */
const WHOLE_FILE_BYTES = 2 * 1024 * 1024;
/**
 * Filestore entries are prepared (read, CRC, deflated) this far ahead of the one zip.js writes,
 * so that reading and deflating overlap writing. Memory: at most this many small files (and
 * their deflated copies) at once, 32 MB at worst.
 */
const LOOKAHEAD_FILES = 8;
/**
 * What zip.js may hand to the zip file before waiting for the disk: with node's 16 KB default,
 * every 1 MB piece waited for its write to finish, and the next entry with it.
 */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** An entry as zip.js takes it through (`passThrough`): data ready, CRC and sizes known. */
interface ReadyEntry {
  name: string;
  reader: Reader<unknown>;
  compressionMethod: typeof STORED | typeof DEFLATED;
  level: number;
  crc32: number;
  uncompressedSize: number;
  lastModDate: Date;
  /** Closes its file, removes its temporary file: called once it is written or abandoned. */
  release(): Promise<void>;
}

async function addReady(zip: ZipWriter<unknown>, entry: ReadyEntry): Promise<void> {
  try {
    await zip.add(entry.name, entry.reader, {
      passThrough: true,
      compressionMethod: entry.compressionMethod,
      level: entry.level,
      crc32: entry.crc32,
      uncompressedSize: entry.uncompressedSize,
      lastModDate: entry.lastModDate,
    });
  } finally {
    await entry.release();
  }
}

const nothingToRelease = async () => undefined;

/**
 * The buffers small filestore files are read into, each WHOLE_FILE_BYTES long, given back once
 * the file's entry is written. A fresh buffer of each file's own size (every size a different
 * one) left malloc's heaps fragmented, RSS growing with the number of files: writing 26 MB of
 * filestore added 87 MB, 316 MB added 142 MB; with these few blocks reused, 66 and 131 MB.
 */
class SmallFileBuffers {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(WHOLE_FILE_BYTES);
  }

  give(buf: Buffer): void {
    // Never more than the look-ahead holds at once, plus the entry being written.
    if (this.free.length <= LOOKAHEAD_FILES) this.free.push(buf);
  }
}

/** A small content, deflated when that pays, in memory. `release` is called once it is written. */
async function bufferEntry(
  name: string,
  content: Buffer,
  lastModDate: Date,
  release: () => Promise<void> = nothingToRelease,
): Promise<ReadyEntry> {
  const deflated = (await worthDeflating(content))
    ? await deflateBuffer(content, FILESTORE_LEVEL)
    : undefined;
  const data = deflated && deflated.length < content.length ? deflated : content;
  return {
    name,
    reader: new BufferReader(data),
    compressionMethod: data === content ? STORED : DEFLATED,
    level: data === content ? 0 : FILESTORE_LEVEL,
    crc32: crc32(content),
    uncompressedSize: content.length,
    lastModDate,
    release,
  };
}

/**
 * What one dump writes beside its zip (the deflated dump.sql, large deflated attachments), in a
 * folder of its own: a rerun after a crash empties it first, whatever the killed run left.
 */
class TemporaryFiles {
  private next = 0;
  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    await this.removeAll();
    await mkdir(this.dir);
  }

  name(kind: string): string {
    return path.join(this.dir, `${kind}-${this.next++}`);
  }

  async remove(file: string): Promise<void> {
    await rm(file, { force: true });
  }

  async removeAll(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A source deflated on the pool into `file` (compressed, never the data unzipped): its CRC and
 * size, which the entry's header needs first, are only known at its end.
 */
async function deflatedToFile(
  pool: DeflatePool,
  source: AsyncIterable<Buffer>,
  file: string,
  level: number,
): Promise<{ crc32: number; size: number }> {
  const body = deflateInParallel(pool, source, { level });
  await pipeline(Readable.from(body.data), createWriteStream(file));
  return body.digest();
}

/** A file larger than WHOLE_FILE_BYTES: deflated on the pool to a temporary file, or stored from where it is. */
async function largeFileEntry(
  pool: DeflatePool,
  temporary: TemporaryFiles,
  name: string,
  file: string,
  lastModDate: Date,
): Promise<ReadyEntry> {
  if (await worthDeflating(file)) {
    const deflated = temporary.name('deflated');
    const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
    const body = await deflatedToFile(pool, source, deflated, FILESTORE_LEVEL);
    const reader = new FileReader(deflated);
    return {
      name,
      reader,
      compressionMethod: DEFLATED,
      level: FILESTORE_LEVEL,
      crc32: body.crc32,
      uncompressedSize: body.size,
      lastModDate,
      release: async () => {
        await reader.close();
        await temporary.remove(deflated);
      },
    };
  }
  const stored = await fileCrc32(file);
  const reader = new FileReader(file, stored.size);
  return {
    name,
    reader,
    compressionMethod: STORED,
    level: 0,
    crc32: stored.crc32,
    uncompressedSize: stored.size,
    lastModDate,
    release: () => reader.close(),
  };
}

/**
 * The filestore's entries, in walkFiles' order, each prepared a few files ahead of the one being
 * written. Large files are prepared one after the other: each streams through the pool or a
 * CRC pass, and several at once would only hold more chunks in memory.
 */
async function* filestoreEntries(
  pool: DeflatePool,
  temporary: TemporaryFiles,
  filestore: string,
): AsyncGenerator<ReadyEntry> {
  const ahead: Promise<ReadyEntry>[] = [];
  let largeFiles: Promise<unknown> = Promise.resolve();
  const buffers = new SmallFileBuffers();
  const prepare = async (rel: string): Promise<ReadyEntry> => {
    const real = path.join(filestore, rel);
    const name = `filestore/${rel}`;
    const into = buffers.take();
    let given = false;
    const giveBack = async () => {
      if (!given) buffers.give(into);
      given = true;
    };
    const { stats, content } = await readIfSmall(real, WHOLE_FILE_BYTES, into).catch(async (e: unknown) => {
      await giveBack();
      throw e;
    });
    if (content) return bufferEntry(name, content, stats.mtime, giveBack);
    await giveBack();
    const entry = largeFiles.then(() => largeFileEntry(pool, temporary, name, real, stats.mtime));
    largeFiles = entry.catch(() => undefined);
    return entry;
  };
  try {
    for await (const rel of walkFiles(filestore)) {
      const entry = prepare(rel);
      // Awaited in order below; until then a failure must not count as unhandled.
      entry.catch(() => undefined);
      ahead.push(entry);
      if (ahead.length >= LOOKAHEAD_FILES) yield await ahead.shift()!;
    }
    while (ahead.length) yield await ahead.shift()!;
  } finally {
    // Abandoned half-way: what was prepared and not written lets go of its files.
    await Promise.all(
      ahead.map((a) =>
        a.then(
          (e) => e.release(),
          () => undefined,
        ),
      ),
    );
  }
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
 * once it is all deflated, so the parallel deflate first writes it to a temporary file beside
 * the zip (in `<file>.parts/`; compressed, never the SQL unzipped) and zip.js then copies it
 * in as it is. The zip is written to `<file>.partial` and renamed when whole, so a half zip
 * never carries the final name; a rerun starts afresh, and a failure removes what it wrote.
 */
export async function writeDumpZip(
  pool: DeflatePool,
  content: DumpZipContent,
  file: string,
): Promise<number> {
  const partial = `${file}.partial`;
  const temporary = new TemporaryFiles(`${file}.parts`);
  await rm(partial, { force: true });
  await temporary.start();
  const out = createWriteStream(partial, { highWaterMark: WRITE_BUFFER_BYTES });
  const closed = once(out, 'close');
  closed.catch(() => undefined);
  try {
    const sqlFile = temporary.name('sql');
    const sql = await deflatedToFile(pool, content.sql, sqlFile, DUMP_SQL_LEVEL);
    await content.sqlDone;

    const zip = new ZipWriter(Writable.toWeb(out));
    const now = new Date();
    const sqlReader = new FileReader(sqlFile);
    await addReady(zip, {
      name: 'dump.sql',
      reader: sqlReader,
      compressionMethod: DEFLATED,
      level: DUMP_SQL_LEVEL,
      crc32: sql.crc32,
      uncompressedSize: sql.size,
      lastModDate: now,
      release: async () => {
        await sqlReader.close();
        await temporary.remove(sqlFile);
      },
    });
    const manifest = Buffer.from(JSON.stringify(content.manifest, null, 4));
    await addReady(zip, await bufferEntry('manifest.json', manifest, now));
    for await (const entry of filestoreEntries(pool, temporary, content.filestore))
      await addReady(zip, entry);
    await zip.close();
    await closed;
  } catch (e) {
    out.destroy();
    await closed.catch(() => undefined);
    await rm(partial, { force: true });
    throw e;
  } finally {
    await temporary.removeAll();
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
  const pgDump = await spawnPgToolAs(server, app.tenants.tenantLogin(database.name), 'pg_dump', [
    '--no-owner',
  ]);
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
      {
        sql: sql(),
        sqlDone: pgDump.done,
        manifest,
        filestore: databaseFilestore(server.filestore_root, database.name),
      },
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
