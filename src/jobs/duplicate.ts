import { z } from 'zod';
import { Conflict } from '../errors.js';
import { copyDatabaseByDump, copyDatabaseByTemplate, databaseSize, reopenIfClosed } from '../hosting/database-copy.js';
import { databaseExists, dropDatabase } from '../hosting/cluster-databases.js';
import { databaseOwner, dropTenantRole, ensureTenantRole, tenantRoleName } from '../hosting/tenant-role.js';
import { adoptDatabase } from '../provisioning/adopt.js';
import { createLoadTarget, dropLoaderRole, finishLoad } from '../provisioning/customer-sql.js';
import { linkOrCopyTree, removeTree } from '../hosting/filestore-copy.js';
import { jobActor } from '../lifecycle/system-actor.js';
import { deleteDatabaseRow, findDatabase } from '../metabase/repositories/databases.js';
import { insertSupportLog } from '../metabase/repositories/support-logs.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { chooseCopyMethod } from '../provisioning/copy-method.js';
import { copyExpireDate } from '../provisioning/copy-rules.js';
import { publishDatabase } from '../provisioning/publish.js';
import { odooAddonsPathsOfDatabase } from '../odoo/addons-paths.js';
import { makeItsOwn } from '../provisioning/identity.js';
import { describeNeutralization, type NeutralizationReport } from '../provisioning/neutralization.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { defineJob, stepData, type StepContext } from './define.js';

const duplicatePayload = z.object({
  source: z.string(),
  target: z.string(),
  /** Forces a copy method (benchmarks); otherwise chosen by size. */
  method: z.enum(['template', 'dump']).optional(),
});
export type DuplicatePayload = z.infer<typeof duplicatePayload>;

/** What the steps record: the activation's support-log entry and the result tell it. */
const duplicateData = stepData({
  method: z.enum(['template', 'dump']),
  sizeBytes: z.number(),
  unavailableMs: z.number(),
  copyMs: z.number(),
  /** How the filestore was copied; set while the source was closed by a template copy. */
  filestore: z.enum(['linked', 'copied', 'empty']),
  expireDate: z.string(),
  // Written by provisioning's makeItsOwn in this job's own step: its type is the schema.
  neutralization: z.custom<NeutralizationReport>(),
});

function payloadOf(ctx: StepContext<DuplicatePayload>): DuplicatePayload {
  return ctx.payload;
}

async function rows(ctx: StepContext<DuplicatePayload>): Promise<{ source: DatabaseRow; target: DatabaseRow }> {
  const { source, target } = payloadOf(ctx);
  const [s, t] = await Promise.all([findDatabase(ctx.app.metabase, source), findDatabase(ctx.app.metabase, target)]);
  if (!s) throw new Conflict(`The source database ${source} no longer exists.`);
  if (!t) throw new Conflict(`The reserved duplicate ${target} has no metabase row any more.`);
  return { source: s, target: t };
}

/**
 * Duplicate: the operation reserved the copy's metabase row (state `creating`) in the same
 * transaction that queued this job, so whatever a crash leaves behind has a row that says it
 * is unfinished; the row turns `active` only once the copy is complete and neutralized.
 */
export const duplicateJob = defineJob({
  kind: 'duplicate',
  label: 'Duplicate',
  payload: duplicatePayload,
  data: duplicateData,
  maxAttempts: 5,
  steps: [
    {
      name: 'copy-database',
      label: 'Copying the database',
      weight: 70,
      async run(ctx) {
        const { source, target } = await rows(ctx);
        if (target.state !== 'creating') return;
        const { app } = ctx;
        const server = await app.tenants.server(source.server_id);
        const sourceFiles = databaseFilestore(server.filestore_root, source.name);
        const targetFiles = databaseFilestore(server.filestore_root, target.name);
        const started = performance.now();
        const copied = await app.tenants.withCluster(server.id, async (admin) => {
          // A crashed attempt may have left the source closed, or a partial copy: reopen, start over.
          await reopenIfClosed(admin, source.name);
          if (await databaseExists(admin, target.name)) await dropDatabase(admin, target.name);
          await removeTree(targetFiles);
          const sizeBytes = await databaseSize(admin, source.name);
          const method = payloadOf(ctx).method ?? chooseCopyMethod(sizeBytes, app.config.duplicateTemplateMaxBytes);
          const owner = await databaseOwner(admin, source.name);
          if (!owner) throw new Error(`The database ${source.name} is not on its cluster.`);
          if (method !== 'template') return { method, sizeBytes, owner: owner.owner };
          // Hard links are a safe copy of a filestore: Odoo names each file after its content's
          // sha1 and never rewrites one in place (a change is a new file), so the two databases
          // can share inodes. Linked while the source is closed, alongside the database copy.
          // The copy is its own role's from the start (its objects follow below).
          const targetLogin = app.tenants.tenantLogin(target.name);
          await ensureTenantRole(admin, targetLogin);
          const copy = await copyDatabaseByTemplate(admin, source.name, target.name, targetLogin.role, () =>
            linkOrCopyTree(sourceFiles, targetFiles),
          );
          return { method, sizeBytes, owner: owner.owner, unavailableMs: copy.unavailableMs, filestore: copy.whileClosed };
        });
        const { method, sizeBytes, owner } = copied;
        // The copy's objects are still the source's role's: the copy's own role takes them.
        if (method === 'template') await adoptDatabase(app, server, { database: target.name, tenant: target.name, from: owner });
        if (method === 'dump') {
          await ctx.save({ method, sizeBytes });
          // The target's row is ours (`creating`), so its name is free: the loader role owns it until the copy is done.
          const login = await createLoadTarget(app, server, target.name, ctx.job.id, { odooExtensions: false });
          let reported = 0;
          await copyDatabaseByDump(server, app.tenants.tenantLogin(source.name), login, (bytes) => {
            const fraction = Math.min(0.99, bytes / Math.max(1, sizeBytes));
            if (fraction - reported >= 0.02) {
              reported = fraction;
              void ctx.progress(fraction).catch(() => undefined);
            }
          });
          await finishLoad(app, server, login, target.name);
        }
        await ctx.save({
          method,
          sizeBytes,
          unavailableMs: copied.unavailableMs ?? 0,
          copyMs: Math.round(performance.now() - started),
          ...(copied.filestore ? { filestore: copied.filestore } : {}),
        });
      },
    },
    {
      name: 'copy-filestore',
      label: 'Linking the filestore',
      weight: 5,
      async run(ctx) {
        const { source, target } = await rows(ctx);
        // The template copy linked it while the source was closed.
        if (target.state !== 'creating' || ctx.data.filestore) return;
        const server = await ctx.app.tenants.server(source.server_id);
        const how = await linkOrCopyTree(
          databaseFilestore(server.filestore_root, source.name),
          databaseFilestore(server.filestore_root, target.name),
        );
        await ctx.save({ filestore: how });
      },
    },
    {
      name: 'neutralize',
      label: 'Neutralizing the copy',
      weight: 20,
      async run(ctx) {
        const { target } = await rows(ctx);
        if (target.state !== 'creating') return;
        const now = ctx.app.now();
        const expireDate = copyExpireDate(now);
        // One tenant transaction: a crash leaves the copy either untouched or fully neutralized.
        const neutralization = await ctx.app.tenants.withTenantTransaction(target, (client) =>
          makeItsOwn(client, { uuid: target.uuid, now, expireDate, version: target.version, neutralize: true, odooSource: () => odooAddonsPathsOfDatabase(ctx.app, target) }),
        );
        await ctx.save({ expireDate: expireDate.toISOString(), ...(neutralization ? { neutralization } : {}) });
      },
    },
    {
      name: 'activate',
      label: 'Making the copy available',
      weight: 5,
      async run(ctx) {
        const { source, target } = payloadOf(ctx);
        const row = await findDatabase(ctx.app.metabase, target);
        if (!row) return;
        const who = await jobActor(ctx.app.metabase, ctx.job.agent_id);
        const data = ctx.data;
        const expireDate = data.expireDate ? new Date(data.expireDate) : copyExpireDate(ctx.app.now());
        // Built in place (no scratch name): publishing only turns the row active, with the entry.
        await publishDatabase(ctx.app, { name: target, serverId: row.server_id, scratch: null, expireDate }, (tx) =>
          insertSupportLog(tx, {
            ...who,
            operation: 'duplicate',
            database_name: target,
            inputs: { source },
            outcome: 'success',
            message: `Neutralized copy of ${source} (${data.method === 'dump' ? 'online dump/restore' : 'file copy'}).${data.neutralization ? ` ${describeNeutralization(data.neutralization)}` : ''}`,
            request_id: null,
          }),
        );
      },
    },
  ],
  result: (ctx) => {
    const data = ctx.data;
    return {
      name: payloadOf(ctx).target,
      method: data.method,
      sizeBytes: data.sizeBytes,
      copyMs: data.copyMs,
      sourceUnavailableMs: data.unavailableMs,
      filestore: data.filestore,
      expireDate: data.expireDate,
      neutralization: data.neutralization,
    };
  },
  // Not provisioning's abandonDatabase: a copy's undo also reopens the source a template copy
  // closed, clears the filestore's partial copy and the loader role, still cleans the cluster when
  // the row is already gone, and deletes the row with its failure entry in one transaction.
  async rollback(ctx, error) {
    const { source, target } = payloadOf(ctx);
    const row = await findDatabase(ctx.app.metabase, target);
    // Only an unfinished copy is undone; a finished one is the agent's duplicate.
    if (row && row.state !== 'creating') return;
    const src = await findDatabase(ctx.app.metabase, source);
    const serverId = row?.server_id ?? src?.server_id;
    if (serverId !== undefined) {
      const server = await ctx.app.tenants.server(serverId);
      await removeTree(databaseFilestore(server.filestore_root, target));
      await ctx.app.tenants.withCluster(serverId, async (admin) => {
        // A template copy that crashed left the source closed to new sessions.
        if (src) await reopenIfClosed(admin, source);
        await dropDatabase(admin, target);
        await dropTenantRole(admin, tenantRoleName(target));
      });
      await dropLoaderRole(ctx.app, serverId, ctx.job.id);
    }
    const who = await jobActor(ctx.app.metabase, ctx.job.agent_id);
    await ctx.app.metabase.transaction().execute(async (tx) => {
      await deleteDatabaseRow(tx, target, 'creating');
      await insertSupportLog(tx, {
        ...who,
        operation: 'duplicate',
        database_name: source,
        inputs: { name: target },
        outcome: 'failure',
        message: `The duplicate ${target} failed and was undone: ${error instanceof Error ? error.message : String(error)}`,
        request_id: null,
      });
    });
  },
});
