import { isValidDatabaseName } from '../../hosting/database-name.js';

/**
 * The envelope sender of a database's forwarded mail: bounces and feedback reports come back to
 * bounce+<database>@<bounce domain>, which says whose mail it was without reading the report.
 */
export function bounceAddress(database: string, bounceDomain: string): string {
  return `bounce+${database}@${bounceDomain}`;
}

/** The database a VERP address belongs to, or undefined when it is not one of ours. */
export function databaseOfBounceAddress(address: string, bounceDomain: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== bounceDomain.toLowerCase()) return undefined;
  const local = address.slice(0, at).toLowerCase();
  if (!local.startsWith('bounce+')) return undefined;
  const database = local.slice('bounce+'.length);
  return isValidDatabaseName(database) ? database : undefined;
}
