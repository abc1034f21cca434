import type { App } from '../app.js';
import { Conflict, Invalid } from '../errors.js';
import { tenantNameProblem } from '../hosting/database-name.js';
import { databaseExists } from '../hosting/cluster-databases.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { findDatabase, insertDatabases } from '../metabase/repositories/databases.js';
import type { NewDatabase } from '../metabase/schema.js';

/**
 * Claims a name for a new database: a valid tenant name outside the reserved namespace, free in
 * the metabase and on the target cluster; then reserves its row (state `creating`) in `tx`, the
 * transaction that also queues the job and writes its support-log entry. From then on the row
 * says the database is unfinished, so a crash or a failure can always undo it, and no one else
 * can claim the name.
 */
export async function claimNewDatabase(app: App, tx: MetabaseDb, row: NewDatabase): Promise<void> {
  const problem = tenantNameProblem(row.name);
  if (problem) throw new Invalid(problem);
  if (await findDatabase(tx, row.name)) throw new Conflict(`A database named ${row.name} already exists.`);
  if (await app.tenants.withCluster(row.server_id, (admin) => databaseExists(admin, row.name))) {
    throw new Conflict(`A database named ${row.name} already exists on the hosting cluster.`);
  }
  await insertDatabases(tx, [{ ...row, state: 'creating' }]);
}
