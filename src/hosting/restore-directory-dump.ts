import type { HostingServerRow } from '../metabase/schema.js';
import { runPgToolAsLoader, type LoaderLogin } from './backup-pg.js';
import { shareDirectoryDump } from './directory-dump.js';

/**
 * Restores a pg_dump directory-format dump into `database` (empty, owned by `login`'s role)
 * with `jobs` parallel pg_restore workers. It runs as the loader role, never the superuser:
 * a dump holds customer-made objects (functions, triggers, index expressions) that run during
 * the restore.
 */
export async function restoreDirectoryDump(
  server: HostingServerRow,
  dir: string,
  database: string,
  opts: { jobs: number; login: LoaderLogin },
): Promise<void> {
  if (opts.login.database !== database) throw new Error(`the loader login is for ${opts.login.database}, not ${database}`);
  await shareDirectoryDump(dir);
  await runPgToolAsLoader(server, opts.login, 'pg_restore', [
    '--no-owner',
    `--jobs=${Math.max(1, opts.jobs)}`,
    '--exit-on-error',
    '--dbname',
    database,
    dir,
  ]);
}
