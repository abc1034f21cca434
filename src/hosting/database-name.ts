import pg from 'pg';

/**
 * Database names are identifiers that reach SQL and the file system (filestore folders),
 * so they follow a strict pattern: lowercase letters, digits, dash, underscore and dot,
 * starting with a letter or digit, at most 63 bytes (PostgreSQL's NAMEDATALEN - 1).
 */
export const DATABASE_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function isValidDatabaseName(name: string): boolean {
  return DATABASE_NAME_PATTERN.test(name) && !name.includes('..');
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
