import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { extractOdooZip } from '../dumps/import-zip.js';
import { Conflict } from '../errors.js';
import { filestoreOf, moveFolder } from '../hosting/restore-backup.js';
import {
  databaseExists,
  dropDatabaseIfExists,
  renameDatabase,
} from '../hosting/restore-cluster.js';
import { findDatabase, insertDatabases } from '../metabase/repositories/databases.js';
import { setConfigParameter, odooDatetime } from '../tenant/config-parameters.js';
import { addDays } from '../operations/trial-expiration.js';
import { discardLoad, finishLoad, loadPlainDump, prepareLoad } from '../provisioning/customer-sql.js';
import { scratchName } from '../provisioning/scratch.js';
import { defineJob, type StepContext } from './define.js';

/** An imported database starts as a trial of this many days. */
export const IMPORTED_TRIAL_DAYS = 14;

function facts(ctx: StepContext) {
  return {
    name: ctx.job.database_name!,
    file: String(ctx.payload.file),
    serverId: Number(ctx.payload.server),
    version: String(ctx.payload.version),
    scratch: scratchName('import', ctx.job.id),
  };
}

/**
 * `import-dump`: restores a validated Odoo zip the way Odoo's database manager does (an empty
 * database, `psql -f dump.sql`, the filestore into place, a new uuid as for a copy), beside
 * its final name, then publishes it: renamed, then registered in the metabase last.
 */
export const importDumpJob = defineJob({
  kind: 'import-dump',
  maxAttempts: 2,
  steps: [
    {
      name: 'restore',
      weight: 8,
      async run(ctx) {
        const f = facts(ctx);
        const server = await ctx.app.tenants.server(f.serverId);
        const login = await prepareLoad(ctx.app, server, f.scratch, ctx.job.id);
        await rm(filestoreOf(server, f.scratch), { recursive: true, force: true });
        await extractOdooZip(f.file, (sql) => loadPlainDump(server, login, sql), filestoreOf(server, f.scratch));
        await finishLoad(ctx.app, server, login);
        const uuid = randomUUID();
        await ctx.save({ uuid });
        await ctx.app.tenants.withTenantTransaction({ name: f.scratch, server_id: server.id }, async (c) => {
          await setConfigParameter(c, 'database.uuid', uuid);
          await setConfigParameter(c, 'database.secret', randomUUID());
          await setConfigParameter(c, 'database.create_date', odooDatetime(ctx.app.now()));
        });
      },
    },
    {
      name: 'publish',
      weight: 1,
      async run(ctx) {
        const f = facts(ctx);
        const server = await ctx.app.tenants.server(f.serverId);
        await ctx.save({ publishing: true });
        await ctx.app.tenants.withCluster(server.id, async (admin) => {
          if (await databaseExists(admin, f.scratch)) {
            if (await databaseExists(admin, f.name))
              throw new Conflict(`A database named ${f.name} appeared on the cluster meanwhile.`);
            await renameDatabase(admin, f.scratch, f.name);
          }
        });
        await moveFolder(filestoreOf(server, f.scratch), filestoreOf(server, f.name));
        if (!(await findDatabase(ctx.app.metabase, f.name))) {
          const now = ctx.app.now();
          await insertDatabases(ctx.app.metabase, [
            {
              name: f.name,
              uuid: String(ctx.data.uuid),
              mode: 'trial',
              extra_apps: true,
              status: 'open',
              expire_date: addDays(now, IMPORTED_TRIAL_DAYS),
              version: f.version,
              server_id: server.id,
              create_date: now,
              duplicate_of: null,
              secure: false,
              email_daily_count: 0,
              email_daily_limit: 200,
              ext_email_daily_count: 0,
              duplicate_limit: 3,
            },
          ]);
        }
        await rm(f.file, { force: true });
      },
    },
  ],
  result: (ctx) => ({ database: facts(ctx).name, uuid: ctx.data.uuid }),
  async rollback(ctx) {
    const f = facts(ctx);
    const server = await ctx.app.tenants.server(f.serverId);
    await discardLoad(ctx.app, server, f.scratch, ctx.job.id);
    await ctx.app.tenants.withCluster(server.id, async (admin) => {
      if (ctx.data.publishing && !(await findDatabase(ctx.app.metabase, f.name))) {
        await dropDatabaseIfExists(admin, f.name);
        await rm(filestoreOf(server, f.name), { recursive: true, force: true });
      }
    });
    await rm(filestoreOf(server, f.scratch), { recursive: true, force: true });
    await rm(f.file, { force: true });
  },
});
