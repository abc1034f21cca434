import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { Invalid } from '../errors.js';
import type { BackupRow, HostingServerRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { sha256File } from './backup-files.js';
import { pathExists } from './path-exists.js';
import { DUMP_FILE, FILESTORE_DIR } from './backup-take.js';

export function backupDumpFile(backup: BackupRow): string {
  return path.join(backup.path, DUMP_FILE);
}

export function backupFilestore(backup: BackupRow): string {
  return path.join(backup.path, FILESTORE_DIR);
}

/** A restore never trusts a file that changed since it was written. */
export async function verifyBackup(backup: BackupRow): Promise<void> {
  const file = backupDumpFile(backup);
  if (!(await pathExists(file)))
    throw new Invalid(`Backup #${backup.id} has no dump file any more; pick another backup.`);
  if (backup.checksum && (await sha256File(file)) !== backup.checksum) {
    throw new Invalid(`Backup #${backup.id} is damaged (its checksum does not match); pick another backup.`);
  }
}

/** The filestore folder a restored database will use once published. */
export function filestoreOf(server: HostingServerRow, database: string): string {
  return databaseFilestore(server.filestore_root, database);
}

/** Moves a folder into place unless it is already there (a rerun after a crash). */
export async function moveFolder(from: string, to: string): Promise<void> {
  if (await pathExists(from)) {
    if (await pathExists(to)) throw new Error(`${to} already exists; refusing to overwrite it`);
    await rename(from, to);
  } else if (!(await pathExists(to))) {
    await mkdir(to, { recursive: true });
  }
}
