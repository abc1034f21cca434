import { rm } from 'node:fs/promises';
import { z } from 'zod';
import type { App } from '../app.js';
import { Conflict, NotFound } from '../errors.js';
import { removeFilesNotIn, mergeTreeLinks } from '../hosting/backup-files.js';
import { takeBackup } from '../hosting/backup-take.js';
import { databaseExists, swapDatabases } from '../hosting/cluster-databases.js';
import {
  backupDumpFile,
  backupFilestore,
  filestoreOf,
  verifyBackup,
} from '../hosting/restore-backup.js';
import { linkOrCopyTree } from '../hosting/filestore-copy.js';
import { refreshSite } from '../frontend/index.js';
import { findBackup } from '../metabase/repositories/backups.js';
import { findDatabase, updateDatabase } from '../metabase/repositories/databases.js';
import type { BackupRow, DatabaseRow, HostingServerRow } from '../metabase/schema.js';
import { addDays } from '../dates.js';
import { copyExpireDate } from '../provisioning/copy-rules.js';
import { discardLoad, loadBackupIntoScratch } from '../provisioning/customer-sql.js';
import { odooAddonsPathsOfDatabase } from '../odoo/addons-paths.js';
import { makeItsOwn, type CopyIdentity } from '../provisioning/identity.js';
import { abandonDatabase, publishDatabase } from '../provisioning/publish.js';
import { dropScratchDatabase, scratchName } from '../provisioning/scratch.js';
import { defineJob, stepData, type StepContext } from './define.js';

interface RestoreFacts {
  backup: BackupRow;
  source: DatabaseRow;
  server: HostingServerRow;
  /** Empty: in place. */
  target: string | null;
  /** Where the backup is restored first; never a customer's name. */
  scratch: string;
  /** The database an in-place restore replaces, until it is dropped. */
  replaced: string;
}

const restorePayload = z.object({
  backup: z.coerce.number().int().positive(),
  /** Absent: in place. */
  target: z.string().optional(),
});
type RestorePayload = z.infer<typeof restorePayload>;

async function facts(ctx: StepContext<RestorePayload>): Promise<RestoreFacts> {
  const { app, job, payload } = ctx;
  const backup = await findBackup(app.metabase, payload.backup);
  if (!backup) throw new NotFound(`Backup #${payload.backup} no longer exists.`);
  const source = await findDatabase(app.metabase, job.database_name!);
  if (!source) throw new NotFound(`The database ${job.database_name} is unknown.`);
  const server = await app.tenants.server(source.server_id);
  return {
    backup,
    source,
    server,
    target: payload.target ?? null,
    scratch: scratchName('restore', job.id),
    replaced: scratchName('replaced', job.id),
  };
}

function cluster<T>(app: App, f: RestoreFacts, fn: (admin: import('pg').Client) => Promise<T>): Promise<T> {
  return app.tenants.withCluster(f.server.id, fn);
}

/**
 * `restore-backup`: in place (safety backup, restore beside, swap by renaming, drop the
 * replaced one) or into a new database (restore beside, make it a copy, publish it under
 * its name with the duplicates' rules). Each step is idempotent; the customer's database
 * name points at the old database or the restored one at every instant.
 */
export const restoreBackupJob = defineJob({
  kind: 'restore-backup',
  label: 'Restore',
  payload: restorePayload,
  data: stepData({
    /** The backup taken of the database before it is replaced (in place). */
    safetyBackup: z.number(),
    madeOwn: z.boolean(),
    /** Filestore files newer than this are the live database's since the swap: kept. */
    swapStartedAt: z.string(),
    filesRemoved: z.number(),
  }),
  steps: [
    {
      name: 'safety-backup',
      label: 'Taking a safety backup of the current state',
      weight: 2,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.target || f.source.state !== 'active') return;
        if (!(await cluster(ctx.app, f, (admin) => databaseExists(admin, f.source.name)))) return;
        const safety = await takeBackup(ctx.app, f.source, {
          kind: 'safety',
          jobId: ctx.job.id,
          agentId: ctx.job.agent_id,
        });
        await ctx.save({ safetyBackup: safety.id });
      },
    },
    {
      name: 'restore-database',
      label: 'Restoring the database',
      weight: 6,
      async run(ctx) {
        const f = await facts(ctx);
        await verifyBackup(f.backup);
        await ctx.progress(0.1);
        // Into a new database: the copy is made its own during the load, as the loader role.
        const row = f.target ? await reservedRow(ctx, f.target) : null;
        await loadBackupIntoScratch(
          ctx.app,
          f.server,
          backupDumpFile(f.backup),
          f.scratch,
          ctx.job.id,
          f.target ?? f.source.name,
          row ? async (client) => void (await makeItsOwn(client, testCopyIdentity(ctx, row))) : undefined,
        );
        if (row) await ctx.save({ madeOwn: true });
      },
    },
    {
      name: 'filestore',
      label: 'Restoring the files',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.target) {
          await linkOrCopyTree(backupFilestore(f.backup), filestoreOf(f.server, f.scratch));
        } else {
          // In place: the live folder gains the backup's files beside its own, so it serves the
          // old database and the restored one alike until the swap.
          await mergeTreeLinks(backupFilestore(f.backup), filestoreOf(f.server, f.source.name));
        }
      },
    },
    {
      // Kept as a step for resumed jobs and the console; the restore-database step now makes the
      // copy its own as the loader role, so this finds it done.
      name: 'make-copy',
      label: 'Preparing the new database',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        if (!f.target || ctx.data.madeOwn) return;
        const row = await reservedRow(ctx, f.target);
        await ctx.app.tenants.withTenantTransaction({ name: f.scratch, server_id: f.server.id }, (client) =>
          makeItsOwn(client, testCopyIdentity(ctx, row)),
        );
      },
    },
    {
      name: 'swap',
      label: 'Swapping the restored database in',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.target) {
          const row = await reservedRow(ctx, f.target);
          return publishDatabase(ctx.app, {
            name: f.target,
            serverId: f.server.id,
            scratch: f.scratch,
            expireDate: row.expire_date ?? undefined,
          });
        }
        if (!ctx.data.swapStartedAt) await ctx.save({ swapStartedAt: new Date().toISOString() });
        await cluster(ctx.app, f, async (admin) => {
          if (await databaseExists(admin, f.scratch))
            await swapDatabases(admin, f.source.name, f.scratch, f.replaced);
        });
        if (f.source.state === 'removed') {
          // A removed database comes back as it left: dropped, pending its removal, so that it
          // can be undropped; the drop delay starts again.
          const expire = addDays(ctx.app.now(), ctx.app.config.dropDelayDays);
          await updateDatabase(ctx.app.metabase, f.source.name, {
            state: 'active',
            mode: 'drop',
            expire_date: expire,
          });
          await refreshSite(ctx.app, f.source.name);
        }
      },
    },
    {
      name: 'cleanup',
      label: 'Cleaning up',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.target) return;
        await dropScratchDatabase(ctx.app, f.server.id, f.replaced);
        const removed = await removeFilesNotIn(
          filestoreOf(f.server, f.source.name),
          backupFilestore(f.backup),
          new Date(String(ctx.data.swapStartedAt)),
        );
        await ctx.save({ filesRemoved: removed });
      },
    },
  ],
  result: async (ctx) => {
    const f = await facts(ctx);
    return {
      backup: f.backup.id,
      database: f.target ?? f.source.name,
      inPlace: !f.target,
      safetyBackup: ctx.data.safetyBackup ?? null,
    };
  },
  async rollback(ctx) {
    const f = await facts(ctx).catch(() => undefined);
    if (!f) return;
    await discardLoad(ctx.app, f.server, f.scratch, ctx.job.id);
    // After a swap the restored database is the customer's; only the replaced one goes.
    await dropScratchDatabase(ctx.app, f.server.id, f.replaced);
    await rm(filestoreOf(f.server, f.scratch), { recursive: true, force: true });
    if (f.target) await abandonDatabase(ctx.app, f.target);
  },
});

function testCopyIdentity(ctx: StepContext<RestorePayload>, row: DatabaseRow): CopyIdentity {
  const now = ctx.app.now();
  return {
    uuid: row.uuid,
    now,
    expireDate: row.expire_date ?? copyExpireDate(now),
    version: row.version,
    neutralize: true,
    odooSource: () => odooAddonsPathsOfDatabase(ctx.app, row),
  };
}

/** The row the operation reserved for a restore into a new database. */
async function reservedRow(ctx: StepContext<RestorePayload>, name: string): Promise<DatabaseRow> {
  const row = await findDatabase(ctx.app.metabase, name);
  if (!row) throw new Conflict(`The reserved database ${name} has no metabase row any more.`);
  return row;
}
