import { mkdir } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { Invalid } from '../errors.js';
import { PgToolFailed } from '../hosting/backup-pg.js';

/** A deflated entry expanding more than this is taken for a zip bomb (SQL text deflates 5-15×). */
const MAX_RATIO = 100;
/** Entries up to this size may expand at any ratio (tiny files deflate oddly); the total still bounds them. */
const SMALL_ENTRY = 1024 * 1024;
/** The whole archive may expand to this many times the upload (filestores barely deflate, SQL 5-15×)... */
const MAX_TOTAL_RATIO = 40;
/** ...or to this much, whichever is more, so that a small honest dump is never refused. */
const TOTAL_FLOOR = 64 * 1024 * 1024;
/** Odoo filestores hold one file per attachment; more entries than this is not a database. */
const MAX_ENTRIES = 500_000;
/** Free space left untouched on the target filesystem after extraction. */
const DISK_RESERVE = 1024 * 1024 * 1024;

/** What an upload may expand to: relative to its own size and to the room on the target disk. */
export interface ZipBudget {
  uploadBytes: number;
  freeBytes: number;
}

function expansionLimit(budget: ZipBudget): number {
  return Math.min(
    Math.max(TOTAL_FLOOR, budget.uploadBytes * MAX_TOTAL_RATIO),
    Math.max(0, budget.freeBytes - DISK_RESERVE),
  );
}

export interface ZipSummary {
  entries: number;
  uncompressed: number;
  manifest: Record<string, unknown> | null;
}

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true },
      (err, zip) => (err ? reject(err) : resolve(zip)),
    ),
  );
}

function readStream(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
  );
}

/**
 * Text from an upload as a message may quote it: control characters (NUL above all, which
 * PostgreSQL text cannot hold, so a refusal quoting it could not be recorded) become \uXXXX escapes.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const shownEntryName = (name: string) => printable(name.slice(0, 120));

/** Entry names Odoo's restore uses, and only those; a path leaving the archive is refused outright. */
function checkName(name: string): void {
  if (
    name.includes('\\') ||
    name.startsWith('/') ||
    /^[a-zA-Z]:/.test(name) ||
    name.split('/').includes('..') ||
    name.includes('\0')
  ) {
    throw new Invalid(`The zip is refused: the entry "${shownEntryName(name)}" points outside the archive.`);
  }
}

function refusal(e: unknown): Error {
  if (e instanceof Invalid) return e;
  // yauzl's messages quote the entry name.
  const m = printable((e as Error).message ?? String(e));
  if (/invalid relative path|absolute path|invalid characters/i.test(m)) {
    return new Invalid(`The zip is refused: an entry points outside the archive (${m}).`);
  }
  return new Invalid(`The file is not a readable zip: ${m}`);
}

/** Walks every entry (central directory only, nothing extracted), calling `visit` for each. */
async function eachEntry(file: string, visit: (zip: ZipFile, entry: Entry) => Promise<void>): Promise<void> {
  const zip = await openZip(file).catch((e: unknown) => {
    throw refusal(e);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: unknown) => reject(refusal(e)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: Entry) => {
        visit(zip, entry).then(
          () => zip.readEntry(),
          // psql refusing the SQL is not the zip's fault: its own message says why.
          (e: unknown) => reject(e instanceof Invalid || e instanceof PgToolFailed ? e : refusal(e)),
        );
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/**
 * Validates an uploaded zip before anything is created: it must be a zip in Odoo's format
 * (exactly one dump.sql), no entry may point outside the archive, and the declared sizes must
 * not betray a zip bomb: every entry's ratio (small ones excepted), the number of entries, and
 * the total against the upload's size and the free disk. Extraction later re-checks the real
 * sizes against the declared ones (yauzl's validateEntrySizes).
 */
export async function validateOdooZip(file: string, budget: ZipBudget): Promise<ZipSummary> {
  const maxUncompressed = expansionLimit(budget);
  let entries = 0;
  let uncompressed = 0;
  let hasDump = false;
  let manifest: Record<string, unknown> | null = null;
  await eachEntry(file, async (zip, entry) => {
    entries++;
    if (entries > MAX_ENTRIES) {
      throw new Invalid(`The zip is refused: it has more than ${MAX_ENTRIES} entries (a zip bomb?).`);
    }
    checkName(entry.fileName);
    uncompressed += entry.uncompressedSize;
    if (uncompressed > maxUncompressed) {
      throw new Invalid(
        `The zip is refused: it expands to more than ${Math.round(maxUncompressed / 1024 / 1024)} MB (a zip bomb, or not enough free disk).`,
      );
    }
    if (
      entry.uncompressedSize > SMALL_ENTRY &&
      entry.uncompressedSize > MAX_RATIO * Math.max(entry.compressedSize, 1)
    ) {
      throw new Invalid(
        `The zip is refused: "${shownEntryName(entry.fileName)}" expands ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} times (a zip bomb?).`,
      );
    }
    if (entry.fileName === 'dump.sql') {
      // Two dump.sql entries: only one would have been looked at, both would run.
      if (hasDump) throw new Invalid('The zip is refused: it holds more than one dump.sql.');
      hasDump = true;
    }
    if (entry.fileName === 'manifest.json' && entry.uncompressedSize < 1024 * 1024) {
      const chunks: Buffer[] = [];
      for await (const c of await readStream(zip, entry)) chunks.push(c as Buffer);
      try {
        manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new Invalid('The zip is refused: its manifest.json is not valid JSON.');
      }
    }
  });
  if (!hasDump)
    throw new Invalid(
      'The zip is refused: it has no dump.sql, so it is not a dump from Odoo’s database manager.',
    );
  return { entries, uncompressed, manifest };
}

/**
 * Streams dump.sql to `sql` (psql's stdin) and extracts filestore/* under `filestoreDir`,
 * as Odoo's restore does; manifest.json and anything else are ignored.
 */
export async function extractOdooZip(
  file: string,
  sql: (stream: Readable) => Promise<void>,
  filestoreDir: string,
): Promise<void> {
  await mkdir(filestoreDir, { recursive: true });
  const root = path.resolve(filestoreDir);
  let dumps = 0;
  await eachEntry(file, async (zip, entry) => {
    checkName(entry.fileName);
    if (entry.fileName === 'dump.sql') {
      if (++dumps > 1) throw new Invalid('The zip is refused: it holds more than one dump.sql.');
      await sql(await readStream(zip, entry));
    } else if (entry.fileName.startsWith('filestore/') && !entry.fileName.endsWith('/')) {
      const target = path.resolve(root, entry.fileName.slice('filestore/'.length));
      if (!target.startsWith(root + path.sep))
        throw new Invalid(`The zip is refused: "${shownEntryName(entry.fileName)}" points outside the filestore.`);
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(await readStream(zip, entry), createWriteStream(target));
    }
  });
}
