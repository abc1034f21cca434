import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { App } from '../app.js';
import {
  deleteBackupRow,
  findJobBackup,
  insertBackup,
  latestAutomaticKinds,
  updateBackup,
} from '../metabase/repositories/backups.js';
import type { BackupKind, BackupRow, DatabaseRow, HostingServerRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { treeSize } from './backup-files.js';
import { runPgToolAsLoader, type LoaderLogin } from './backup-pg.js';
import { linkOrCopyTree } from './filestore-copy.js';
import { isValidDatabaseName, InvalidDatabaseName } from './database-name.js';

export const DUMP_FILE = 'db.dump';
export const FILESTORE_DIR = 'filestore';

/** `<backup_root>/<database>/<unique>`: one folder per backup, holding db.dump and filestore/. */
function backupFolder(server: HostingServerRow, database: string): string {
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  return path.join(
    server.backup_root,
    database,
    `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`,
  );
}

/**
 * The kind an automatic backup takes: the first of a calendar month is `monthly`, the first
 * of an ISO week `weekly`, the others `daily` (UTC). Retention then keeps N of each kind.
 */
export async function automaticKind(app: App, database: string, now: Date): Promise<BackupKind> {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const weekStart = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((now.getUTCDay() + 6) % 7)),
  );
  if (!(await hasKindSince(app, database, 'monthly', monthStart))) return 'monthly';
  if (
    !(await hasKindSince(app, database, 'weekly', weekStart)) &&
    !(await hasKindSince(app, database, 'monthly', weekStart))
  ) {
    return 'weekly';
  }
  return 'daily';
}

async function hasKindSince(app: App, database: string, kind: BackupKind, since: Date): Promise<boolean> {
  return (await latestAutomaticKinds(app.metabase, database, since)).includes(kind);
}

/** pg_dump's custom format, piped through sha256 on its way to `<file>.partial`, renamed when whole. */
async function dumpDatabase(server: HostingServerRow, login: LoaderLogin, file: string): Promise<string> {
  const partial = `${file}.partial`;
  const hash = createHash('sha256');
  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const written = pipeline(tee, createWriteStream(partial));
  written.catch(() => undefined);
  try {
    // --no-owner: a restore may land on another cluster whose roles differ.
    await runPgToolAsLoader(server, login, 'pg_dump', ['--format=custom', '--no-owner'], { stdout: tee });
    await written;
  } catch (e) {
    tee.destroy();
    await rm(partial, { force: true });
    throw e;
  }
  await rename(partial, file);
  return hash.digest('hex');
}

export interface TakeBackupOptions {
  kind: BackupKind;
  jobId: number | null;
  agentId: number | null;
}

/**
 * Takes one backup: the database in pg_dump's custom format (so restores run in parallel) and
 * a hard-link snapshot of its filestore. Idempotent per (job, database): a rerun after a crash
 * finds the finished backup, or throws the half-made one away and starts over.
 */
export async function takeBackup(
  app: App,
  database: DatabaseRow,
  options: TakeBackupOptions,
): Promise<BackupRow> {
  if (options.jobId !== null) {
    const previous = await findJobBackup(app.metabase, options.jobId, database.name);
    if (previous?.state === 'ready') return previous;
    if (previous) {
      await rm(previous.path, { recursive: true, force: true });
      await deleteBackupRow(app.metabase, previous.id);
    }
  }
  const server = await app.tenants.server(database.server_id);
  const folder = backupFolder(server, database.name);
  const row = await insertBackup(app.metabase, {
    database_name: database.name,
    database_uuid: database.uuid,
    server_id: server.id,
    kind: options.kind,
    path: folder,
    version: database.version,
    job_id: options.jobId,
    agent_id: options.agentId,
    taken_at: app.now(),
  });
  try {
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, DUMP_FILE);
    const checksum = await dumpDatabase(server, app.tenants.tenantLogin(database.name), file);
    await linkOrCopyTree(
      databaseFilestore(server.filestore_root, database.name),
      path.join(folder, FILESTORE_DIR),
    );
    const size = (await stat(file)).size + (await treeSize(path.join(folder, FILESTORE_DIR)));
    await updateBackup(app.metabase, row.id, { state: 'ready', checksum, size, finished_at: new Date() });
    return { ...row, state: 'ready', checksum, size };
  } catch (e) {
    await rm(folder, { recursive: true, force: true });
    await updateBackup(app.metabase, row.id, {
      state: 'failed',
      error: (e as Error).message.slice(0, 1000),
      finished_at: new Date(),
    });
    throw e;
  }
}
