import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { extractOdooZip } from '../dumps/import-zip.js';
import { Conflict } from '../errors.js';
import { filestoreOf } from '../hosting/restore-backup.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { asLoader, discardLoad, finishLoad, loadPlainDump, prepareLoad } from '../provisioning/customer-sql.js';
import { makeItsOwn } from '../provisioning/identity.js';
import { abandonDatabase, publishDatabase } from '../provisioning/publish.js';
import { scratchName } from '../provisioning/scratch.js';
import { defineJob, stepData, type StepContext } from './define.js';

const importPayload = z.object({
  /** The validated upload, removed once published or rolled back. */
  file: z.string(),
  server: z.coerce.number().int().positive(),
  version: z.string(),
});
type ImportPayload = z.infer<typeof importPayload>;

function facts(ctx: StepContext<ImportPayload>) {
  return {
    name: ctx.job.database_name!,
    file: ctx.payload.file,
    serverId: ctx.payload.server,
    scratch: scratchName('import', ctx.job.id),
  };
}

async function reservedRow(ctx: StepContext<ImportPayload>, name: string) {
  const row = await findDatabase(ctx.app.metabase, name);
  if (!row) throw new Conflict(`The reserved database ${name} has no metabase row any more.`);
  return row;
}

/**
 * `import-dump`: the upload reserved the new database's row (`creating`) with this job. The
 * validated Odoo zip is restored the way Odoo's database manager does it (an empty database,
 * `psql -f dump.sql` — here as a loader role, meta-commands refused — the filestore into place)
 * beside its final name, made its own (new identity, its trial's expiration, no subscription),
 * then published: renamed, row `active`.
 */
export const importDumpJob = defineJob({
  kind: 'import-dump',
  label: 'Import',
  payload: importPayload,
  data: stepData({ uuid: z.string() }),
  maxAttempts: 2,
  steps: [
    {
      name: 'restore',
      label: 'Restoring the dump',
      weight: 8,
      async run(ctx) {
        const f = facts(ctx);
        const row = await reservedRow(ctx, f.name);
        if (row.state !== 'creating') return;
        const server = await ctx.app.tenants.server(f.serverId);
        const login = await prepareLoad(ctx.app, server, f.scratch, ctx.job.id);
        await rm(filestoreOf(server, f.scratch), { recursive: true, force: true });
        await extractOdooZip(f.file, (sql) => loadPlainDump(server, login, sql), filestoreOf(server, f.scratch));
        await asLoader(ctx.app, server, login, (client) =>
          makeItsOwn(client, {
            uuid: row.uuid,
            now: ctx.app.now(),
            expireDate: row.expire_date ?? ctx.app.now(),
            version: row.version,
            neutralize: false,
          }),
        );
        await finishLoad(ctx.app, server, login, f.name);
        await ctx.save({ uuid: row.uuid });
      },
    },
    {
      name: 'publish',
      label: 'Publishing the new database',
      weight: 1,
      async run(ctx) {
        const f = facts(ctx);
        await publishDatabase(ctx.app, { name: f.name, serverId: f.serverId, scratch: f.scratch });
        await rm(f.file, { force: true });
      },
    },
  ],
  result: (ctx) => ({ database: facts(ctx).name, uuid: ctx.data.uuid }),
  async rollback(ctx) {
    const f = facts(ctx);
    const server = await ctx.app.tenants.server(f.serverId);
    await discardLoad(ctx.app, server, f.scratch, ctx.job.id);
    await rm(filestoreOf(server, f.scratch), { recursive: true, force: true });
    await abandonDatabase(ctx.app, f.name);
    await rm(f.file, { force: true });
  },
});
