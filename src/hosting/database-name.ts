import pg from 'pg';

/**
 * Database names are identifiers that reach SQL and the file system (filestore folders),
 * so they follow a strict pattern: lowercase letters, digits, dash, underscore and dot,
 * starting with a letter or digit, at most 63 bytes (PostgreSQL's NAMEDATALEN - 1).
 */
export const DATABASE_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/**
 * The platform's own namespace: scratch databases, their filestore folders and the temporary
 * roles of a restore are named with this prefix, and no tenant may take a name in it, so a job
 * dropping a scratch name can never hit a customer's database.
 */
export const RESERVED_NAME_PREFIX = 'dbtools_scratch_';

/** A name safe to quote as an identifier and to use as a folder (tenants and scratch alike). */
export function isValidDatabaseName(name: string): boolean {
  return DATABASE_NAME_PATTERN.test(name) && !name.includes('..');
}

export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_NAME_PREFIX);
}

/** Why `name` cannot be given to a new tenant database, or null when it can. */
export function tenantNameProblem(name: string): string | null {
  if (!isValidDatabaseName(name)) {
    return `"${name.slice(0, 80)}" is not a valid database name (lowercase letters, digits, ".", "_", "-"; at most 63).`;
  }
  if (isReservedName(name)) {
    return `"${name}" is reserved: names starting with ${RESERVED_NAME_PREFIX} belong to the platform's scratch databases.`;
  }
  return null;
}

export class InvalidDatabaseName extends Error {
  constructor(name: string) {
    super(`"${name.slice(0, 80)}" is not a valid database name (lowercase letters, digits, ".", "_", "-"; at most 63)`);
  }
}

/** Returns the name quoted as a SQL identifier, after validating it. */
export function quoteDatabaseName(name: string): string {
  if (!isValidDatabaseName(name)) throw new InvalidDatabaseName(name);
  return pg.escapeIdentifier(name);
}
