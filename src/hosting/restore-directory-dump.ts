import type { HostingServerRow } from '../metabase/schema.js';
import { runPgToolAsLoader, type LoaderLogin } from './backup-pg.js';

/**
 * Restores a directory-format dump (`pg_dump -Fd`) onto a hosting server with `pg_restore
 * --jobs=N`. A dump is made from a customer's database, so it is customer-made SQL: it runs as
 * the job's loader role, which owns just `database` (see src/provisioning/customer-sql.ts:
 * createLoadTarget before, finishLoad after), objects created as that role (`--no-owner`, no
 * grants replayed), stopping at the first error. The folder must be readable by the cluster's OS
 * user (dumpDirectory and freshDumpFolder make it so).
 */
export async function restoreDirectoryDump(
  server: HostingServerRow,
  dir: string,
  database: LoaderLogin,
  { jobs }: { jobs: number },
): Promise<void> {
  await runPgToolAsLoader(server, database, 'pg_restore', [
    '--no-owner',
    '--no-acl',
    '--exit-on-error',
    `--jobs=${jobs}`,
    '--dbname',
    database.database,
    dir,
  ]);
}
