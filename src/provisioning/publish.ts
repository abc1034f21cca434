import { rm } from 'node:fs/promises';
import type { App } from '../app.js';
import { Conflict } from '../errors.js';
import { databaseExists, dropDatabase, renameDatabase } from '../hosting/cluster-databases.js';
import { dropTenantRole, tenantRoleName } from '../hosting/tenant-role.js';
import { moveFolder } from '../hosting/restore-backup.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { deleteDatabaseRow, findDatabase, lockDatabase, updateDatabase } from '../metabase/repositories/databases.js';
import { refreshSite } from '../frontend/index.js';
import { databaseFilestore } from '../tenant/filestore.js';

/**
 * Puts a database built under a scratch name in place under its claimed name (database, then
 * filestore folder), then turns its row `active`. Each part is skipped when already done, so a
 * rerun after a crash finishes it. `onActivation` runs in the transaction that turns the row
 * active, only when this call does (a job's support-log entry: written once, with the change).
 */
export async function publishDatabase(
  app: App,
  db: { name: string; serverId: number; scratch: string | null; expireDate?: Date },
  onActivation?: (tx: MetabaseDb) => Promise<void>,
): Promise<void> {
  const server = await app.tenants.server(db.serverId);
  if (db.scratch) {
    const scratch = db.scratch;
    await app.tenants.withCluster(server.id, async (admin) => {
      if (!(await databaseExists(admin, scratch))) return;
      if (await databaseExists(admin, db.name))
        throw new Conflict(`A database named ${db.name} appeared on the cluster meanwhile.`);
      await renameDatabase(admin, scratch, db.name);
    });
    await moveFolder(databaseFilestore(server.filestore_root, scratch), databaseFilestore(server.filestore_root, db.name));
  }
  await app.metabase.transaction().execute(async (tx) => {
    const row = await lockDatabase(tx, db.name);
    if (!row || row.state !== 'creating') return;
    await updateDatabase(tx, db.name, { state: 'active', ...(db.expireDate ? { expire_date: db.expireDate } : {}) });
    await onActivation?.(tx);
  });
  await refreshSite(app, db.name);
}

/**
 * Undoes an unfinished new database: only while its row is `creating` (claimed by us, so what
 * holds the name on the cluster is ours), the database, its folder, then the row. Idempotent.
 * Answers whether there was something to undo.
 */
export async function abandonDatabase(app: App, name: string): Promise<boolean> {
  const row = await findDatabase(app.metabase, name);
  if (!row || row.state !== 'creating') return false;
  const server = await app.tenants.server(row.server_id);
  await app.tenants.withCluster(server.id, async (admin) => {
    await dropDatabase(admin, name);
    await dropTenantRole(admin, tenantRoleName(name));
  });
  await rm(databaseFilestore(server.filestore_root, name), { recursive: true, force: true });
  await deleteDatabaseRow(app.metabase, name, 'creating');
  return true;
}
