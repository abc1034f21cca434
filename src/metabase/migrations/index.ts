import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.js';
import * as jobs from './002-jobs.js';
import * as lifecycle from './004-lifecycle.js';

/**
 * Numbered migrations, applied in order by Kysely's migrator. A new one is a new file and a
 * line here; a landed one is never edited.
 */
const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-jobs': jobs,
  '004-lifecycle': lifecycle,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
