import { createHash } from 'node:crypto';
import path from 'node:path';
import { isValidDatabaseName, InvalidDatabaseName } from '../hosting/database-name.js';

/**
 * Odoo's ir.attachment file layout (`_get_path`): the content's sha1 names the file, its first
 * two hex digits name the folder; `store_fname` is the path relative to the database's folder.
 */
export function attachmentChecksum(content: Buffer): string {
  return createHash('sha1').update(content).digest('hex');
}

export function storeFnameFor(checksum: string): string {
  return `${checksum.slice(0, 2)}/${checksum}`;
}

/** `<filestoreRoot>/<database>`: the folder Odoo calls `filestore/<dbname>` under its data_dir. */
export function databaseFilestore(filestoreRoot: string, database: string): string {
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  return path.join(filestoreRoot, database);
}

/** Refuses a store_fname that would escape the database's folder. */
export function attachmentPath(filestoreRoot: string, database: string, storeFname: string): string {
  if (!/^[0-9a-f]{2}\/[0-9a-f]{40}$/.test(storeFname)) {
    throw new Error(`unexpected store_fname "${storeFname.slice(0, 80)}"`);
  }
  return path.join(databaseFilestore(filestoreRoot, database), storeFname);
}
