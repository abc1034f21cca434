import { dropTenantRole, tenantRoleName } from '../hosting/tenant-role.js';
import { Conflict } from '../errors.js';
import { dropDatabase } from '../hosting/cluster-databases.js';
import { removeTree } from '../hosting/filestore-copy.js';
import { refreshSite } from '../frontend/index.js';
import { systemActor } from '../lifecycle/system-actor.js';
import { findDatabase, lockDatabase, updateDatabase } from '../metabase/repositories/databases.js';
import { insertSupportLog } from '../metabase/repositories/support-logs.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { defineJob, noPayload, noStepData, type StepContext } from './define.js';

async function row(ctx: StepContext): Promise<DatabaseRow | undefined> {
  return findDatabase(ctx.app.metabase, ctx.job.database_name!);
}

export function isReapable(db: DatabaseRow, now: Date): boolean {
  if (db.state === 'removing') return true;
  return (
    db.state === 'active' &&
    !!db.expire_date &&
    db.expire_date < now &&
    (db.mode === 'drop' || db.duplicate_of !== null) &&
    !db.status.includes('maintenance')
  );
}

/**
 * Removal of an expired duplicate or drop-mode database. The row is marked `removing` before
 * anything goes, the filestore goes before the database (never a folder without a database),
 * and the row turns `removed`, kept as history, with the system's support-log entry.
 */
export const removeJob = defineJob({
  kind: 'remove',
  label: 'Removal',
  payload: noPayload,
  data: noStepData,
  maxAttempts: 10,
  steps: [
    {
      name: 'mark-removing',
      label: 'Marking the database as being removed',
      weight: 1,
      async run(ctx) {
        await ctx.app.metabase.transaction().execute(async (tx) => {
          const db = await lockDatabase(tx, ctx.job.database_name!);
          if (!db || db.state === 'removing' || db.state === 'removed') return;
          if (!isReapable(db, ctx.app.now())) throw new Conflict(`${db.name} is no longer due for removal.`);
          await updateDatabase(tx, db.name, { state: 'removing' });
        });
      },
    },
    {
      name: 'remove-filestore',
      label: 'Removing the files',
      weight: 1,
      async run(ctx) {
        const db = await row(ctx);
        if (!db || db.state !== 'removing') return;
        const server = await ctx.app.tenants.server(db.server_id);
        await removeTree(databaseFilestore(server.filestore_root, db.name));
      },
    },
    {
      name: 'drop-database',
      label: 'Removing the database',
      weight: 3,
      async run(ctx) {
        const db = await row(ctx);
        if (!db || db.state !== 'removing') return;
        // Our pooled connections to it go first (DROP … WITH (FORCE) would end them anyway).
        ctx.app.tenants.forget(db);
        await ctx.app.tenants.withCluster(db.server_id, async (admin) => {
          await dropDatabase(admin, db.name);
          await dropTenantRole(admin, tenantRoleName(db.name));
        });
      },
    },
    {
      name: 'mark-removed',
      label: 'Marking the database as removed',
      weight: 1,
      async run(ctx) {
        const system = await systemActor(ctx.app.metabase);
        await ctx.app.metabase.transaction().execute(async (tx) => {
          const db = await lockDatabase(tx, ctx.job.database_name!);
          if (!db || db.state !== 'removing') return;
          await updateDatabase(tx, db.name, { state: 'removed' });
          await insertSupportLog(tx, {
            ...system,
            operation: 'remove',
            database_name: db.name,
            inputs: {},
            outcome: 'success',
            message:
              db.mode === 'drop'
                ? `Removed: dropped database past its removal date (${db.expire_date?.toISOString() ?? 'none'}).`
                : `Removed: duplicate of ${db.duplicate_of} past its expiry (${db.expire_date?.toISOString() ?? 'none'}).`,
            request_id: null,
          });
        });
        await refreshSite(ctx.app, ctx.job.database_name!);
      },
    },
  ],
});
