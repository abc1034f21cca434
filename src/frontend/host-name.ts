import { createHash } from 'node:crypto';
import { isValidDatabaseName, InvalidDatabaseName } from '../hosting/database-name.js';

/** A DNS host name (RFC 1123 labels): what nginx may serve and a browser may be sent to. */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isHostName(name: string): boolean {
  return name.length <= 253 && HOST_NAME.test(name);
}

/**
 * The host a hosted database answers at, under the platform's zone: built from the platform's
 * configuration and the database name only, never from tenant data. Every valid database name
 * gets a distinct valid host: a name that already reads as a host name (and holds no `--`) is
 * its own host; any other (`sec_under`, `sec.-x`, `a.`) becomes one label made of its letters
 * and a hash of the whole name, joined by `--`, which the first kind can never contain.
 */
export function databaseHost(database: string, zone: string): string {
  if (!isValidDatabaseName(database)) throw new InvalidDatabaseName(database);
  if (isHostName(database) && !database.includes('--')) return `${database}.${zone}`;
  const hash = createHash('sha256').update(database).digest('hex').slice(0, 16);
  const readable = database
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63 - 2 - hash.length)
    .replace(/-+$/, '');
  return `${readable}--${hash}.${zone}`;
}

/**
 * The address of a hosted database's own host, for links sent to people (e-mails, the console):
 * https only where the platform host serves it (`platformHttps`), else a link that opens.
 */
export function databaseOrigin(
  database: string,
  platform: { platformZone: string; platformHttps: boolean },
): string {
  return `${platform.platformHttps ? 'https' : 'http'}://${databaseHost(database, platform.platformZone)}`;
}
