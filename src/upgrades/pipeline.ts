import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { App } from '../app.js';
import { Conflict, Invalid, NotFound, UpstreamFailed } from '../errors.js';
import { mergeTreeLinks, treeSize } from '../hosting/backup-files.js';
import { takeBackup } from '../hosting/backup-take.js';
import { dumpDirectory, freshDumpFolder, shareDirectoryDump } from '../hosting/directory-dump.js';
import { linkOrCopyTree, removeTree } from '../hosting/filestore-copy.js';
import { pathExists } from '../hosting/path-exists.js';
import { restoreDirectoryDump } from '../hosting/restore-directory-dump.js';
import { databaseExists, swapDatabases } from '../hosting/cluster-databases.js';
import { defineJob, stepData, type StepContext, type StepDataOf } from '../jobs/define.js';
import { jobActor } from '../lifecycle/system-actor.js';
import { findDatabase, lockDatabase, updateDatabase } from '../metabase/repositories/databases.js';
import { leastLoadedServer } from '../metabase/repositories/servers.js';
import { insertSupportLog } from '../metabase/repositories/support-logs.js';
import {
  findUpgradeRequest,
  lockUpgradeRequest,
  updateUpgradeRequest,
} from '../metabase/repositories/upgrade-requests.js';
import type { DatabaseRow, HostingServerRow, UpgradeRequestRow } from '../metabase/schema.js';
import { isLocked } from '../lifecycle/maintenance-lock.js';
import { claimNewDatabase, } from '../provisioning/claim.js';
import { testCopyRow } from '../provisioning/copy-rules.js';
import { asLoader, discardLoad, finishLoad, prepareLoad } from '../provisioning/customer-sql.js';
import { odooAddonsPathsOf } from '../odoo/addons-paths.js';
import { makeItsOwn } from '../provisioning/identity.js';
import { abandonDatabase, publishDatabase } from '../provisioning/publish.js';
import { dropScratchDatabase, scratchName } from '../provisioning/scratch.js';
import { getConfigParameter } from '../tenant/config-parameters.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { platformErrorName, type PlatformRequest } from './client.js';
import { sendUpgradeDoneMail, upgradeRecipient } from './notify.js';
import { platformRequestOf, upgradePlatform } from './platform-client.js';
import { downloadInto, requestKeyPair, storeKnownHosts, uploadFolder, type SshTarget } from './rsync.js';
import type { TransferInfo } from './client.js';
import { randomUUID } from 'node:crypto';

const upgradePayload = z.object({ request: z.coerce.number().int().positive() });
type UpgradePayload = z.infer<typeof upgradePayload>;

/** What the steps record: resuming, undoing, and the result's timings. */
const upgradeData = stepData({
  /** The request was cancelled before anything was done: nothing to undo. */
  cancelled: z.boolean(),
  /** The in-place upgrade set the maintenance lock (and when): the job must lift it. */
  lockedByUs: z.boolean(),
  lockedAt: z.string(),
  uploaded: z.boolean(),
  restored: z.boolean(),
  swapped: z.boolean(),
  mailed: z.boolean(),
  mailedTo: z.string().nullable(),
  safetyBackup: z.number(),
  dumpBytes: z.number(),
  uploadBytes: z.number(),
  dumpMs: z.number(),
  uploadMs: z.number(),
  downloadMs: z.number(),
  restoreMs: z.number(),
  swapMs: z.number(),
  downtimeMs: z.number(),
});
type Ctx = StepContext<UpgradePayload, StepDataOf<typeof upgradeData>>;

/** pg_dump / pg_restore workers: the hosting hosts have few cores and serve customers meanwhile. */
const PARALLEL_JOBS = 2;
/** The end of the upgrade log kept for the history (the platform's page has the whole log). */
const LOG_TAIL_CHARS = 4000;
/** How long polling rides out an unreachable platform before the upgrade fails. */
const PLATFORM_OUTAGE_PATIENCE_MS = 10 * 60_000;

interface Facts {
  request: UpgradeRequestRow;
  source: DatabaseRow;
  sourceServer: HostingServerRow;
  /** Production and rolling release replace the database in place; Internal and Copy make a new one. */
  inPlace: boolean;
  /** The job's folder: the source dump, the upgraded dump, the filestore additions. */
  work: string;
  scratch: string;
  replaced: string;
}

async function facts(ctx: Ctx): Promise<Facts> {
  const request = await findUpgradeRequest(ctx.app.metabase, ctx.payload.request);
  if (!request) throw new NotFound(`Upgrade request #${ctx.payload.request} no longer exists.`);
  const source = await findDatabase(ctx.app.metabase, request.database_name);
  if (!source) throw new NotFound(`The database ${request.database_name} is unknown.`);
  return {
    request,
    source,
    sourceServer: await ctx.app.tenants.server(source.server_id),
    inPlace: request.mode === 'production' || request.mode === 'rolling',
    work: upgradeWorkDir(ctx.app, request.id),
    scratch: scratchName('upgraded', ctx.job.id),
    replaced: scratchName('replaced', ctx.job.id),
  };
}

export function upgradeWorkDir(app: App, requestId: number): string {
  return path.join(app.config.dataDir, 'upgrades', String(requestId));
}

/** A step that has nothing to do once the request was cancelled before it started. */
function cancelled(ctx: Ctx): boolean {
  return ctx.data.cancelled === true;
}

/** The request's key pair and known hosts live here, with its work (kept until the job ends). */
function sshDir(f: Facts): string {
  return path.join(f.work, 'ssh');
}

async function sshTarget(f: Facts, t: TransferInfo): Promise<SshTarget> {
  const { keyFile } = await requestKeyPair(sshDir(f));
  return { host: t.sshHost, port: t.sshPort, user: t.sshUser, keyFile, knownHostsFile: await storeKnownHosts(sshDir(f), t.knownHosts) };
}

async function platformRequest(f: Facts): Promise<PlatformRequest> {
  const req = platformRequestOf(f.request);
  if (!req) throw new Conflict(`Upgrade request #${f.request.id} was never created on the upgrade platform.`);
  return req;
}

/** The name of the database an Internal or Copy upgrade makes: `<name>-upgraded-<request>`. */
function upgradedName(source: string, requestId: number): string {
  const suffix = `-upgraded-${requestId}`;
  return `${source.slice(0, 63 - suffix.length)}${suffix}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One upgrade request, start to end, as one crash-safe job: dump → create + upload → process →
 * poll → download → restore on a hosting server → publish (Internal, Copy) or swap in place
 * (Production, rolling release). Every step finds its work done or redoes it whole; what the
 * platform holds is addressed by the request's id and key, saved as soon as it exists.
 */
export const upgradeJob = defineJob({
  kind: 'upgrade',
  label: 'Upgrade',
  payload: upgradePayload,
  data: upgradeData,
  // The platform's refusals and failures are domain errors (no retry); a retry is for a crash
  // or a transient error, and every step is idempotent.
  maxAttempts: 3,
  steps: [
    {
      name: 'start',
      label: 'Starting (locking the database for a production upgrade)',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        await ctx.app.metabase.transaction().execute(async (tx) => {
          const request = await lockUpgradeRequest(tx, f.request.id);
          if (request?.state === 'cancelled (meta)') {
            await ctx.save({ cancelled: true });
            return;
          }
          if (request?.state !== 'Queued') return;
          await updateUpgradeRequest(tx, f.request.id, { state: 'Running', job_id: ctx.job.id });
          if (!f.inPlace) return;
          // In place: nothing the customer enters after the dump may be lost by the swap, so the
          // maintenance lock holds from the dump to the swap (the upgrade's downtime).
          const db = await lockDatabase(tx, f.source.name);
          if (!db || db.state !== 'active') throw new Conflict(`The database ${f.source.name} is not active.`);
          if (isLocked(db)) throw new Conflict(`The database ${f.source.name} is locked for maintenance: ${db.lock_reason ?? ''}`);
          await updateDatabase(tx, f.source.name, {
            status: 'maintenance',
            status_before_lock: db.status,
            lock_reason: `Upgrade to Odoo ${f.request.target} (request #${f.request.id})`,
          });
          await ctx.save({ lockedByUs: true, lockedAt: new Date().toISOString() });
        });
      },
    },
    {
      name: 'dump',
      label: 'Dumping the database',
      weight: 10,
      async run(ctx) {
        if (cancelled(ctx)) return;
        const f = await facts(ctx);
        if (platformRequestOf(f.request) && ctx.data.uploaded) return;
        await mkdir(f.work, { recursive: true });
        const started = performance.now();
        await freshDumpFolder(path.join(f.work, 'source'));
        await dumpDirectory(f.sourceServer, ctx.app.tenants.tenantLogin(f.source.name), path.join(f.work, 'source'), { jobs: PARALLEL_JOBS });
        await ctx.save({ dumpBytes: await treeSize(path.join(f.work, 'source')), dumpMs: Math.round(performance.now() - started) });
      },
    },
    {
      name: 'create',
      label: 'Creating the request on the upgrade platform',
      weight: 1,
      async run(ctx) {
        if (cancelled(ctx)) return;
        const f = await facts(ctx);
        if (platformRequestOf(f.request)) return;
        // Odoo's upgrade platform checks the subscription: the tenant's own enterprise code is sent.
        const contract =
          (await ctx.app.tenants.withTenant(f.source, (c) => getConfigParameter(c, 'database.enterprise_code'))) ?? '';
        // The request's own key pair, kept in its work folder: the transfers of every later
        // attempt use the key the platform was given.
        const { publicKey } = await requestKeyPair(sshDir(f));
        // A crash between create and the save below leaves a request in state `new` on the
        // platform, which it archives unused; the rerun creates another (with the same key).
        const created = await upgradePlatform(ctx.app).create({
          contract,
          aim: f.inPlace ? 'production' : 'test',
          target: f.request.target,
          sshKey: publicKey,
          dbuuid: f.source.uuid,
          version: f.request.source_version,
          ...(f.request.email ? { email: f.request.email } : {}),
        });
        await updateUpgradeRequest(ctx.app.metabase, f.request.id, {
          platform_request_id: created.id,
          platform_key: created.token,
          platform_host: created.hostUri,
          platform_state: 'new',
        });
      },
    },
    {
      name: 'upload',
      label: 'Uploading the dump',
      weight: 6,
      async run(ctx) {
        // Saved before the dump folder goes: a rerun after that finds the upload done.
        if (cancelled(ctx) || ctx.data.uploaded) return;
        const f = await facts(ctx);
        const client = upgradePlatform(ctx.app);
        const req = await platformRequest(f);
        if ((await client.status(req)).state !== 'new') return;
        const started = performance.now();
        // rsync makes the platform's copy equal to ours, so a rerun after a kill sends what is missing.
        const transfer = await client.transferStart(req, 'upload');
        await uploadFolder(await sshTarget(f, transfer), path.join(f.work, 'source'), '/data/origin.dump');
        await client.transferStop(req);
        await ctx.save({ uploaded: true, uploadBytes: ctx.data.dumpBytes, uploadMs: Math.round(performance.now() - started) });
        await rm(path.join(f.work, 'source'), { recursive: true, force: true });
      },
    },
    {
      name: 'process',
      label: 'Asking the platform to upgrade it',
      weight: 1,
      async run(ctx) {
        if (cancelled(ctx)) return;
        const f = await facts(ctx);
        const client = upgradePlatform(ctx.app);
        const req = await platformRequest(f);
        const status = await client.status(req);
        if (status.state === 'new') await client.process(req);
        await updateUpgradeRequest(ctx.app.metabase, f.request.id, {
          state: 'Sent to Upgrade Platform',
          platform_state: status.state === 'new' ? 'pending' : status.state,
          sent_at: f.request.sent_at ?? ctx.app.now(),
        });
      },
    },
    {
      name: 'upgrade',
      label: 'Being upgraded by the upgrade platform',
      weight: 40,
      async run(ctx) {
        if (cancelled(ctx)) return;
        const f = await facts(ctx);
        await pollUntilDone(ctx, f);
      },
    },
    {
      name: 'download',
      label: 'Downloading the upgraded database',
      weight: 10,
      async run(ctx) {
        if (cancelled(ctx)) return;
        const f = await facts(ctx);
        const upgraded = path.join(f.work, 'upgraded');
        const added = path.join(f.work, 'filestore-added');
        if (!(await pathExists(upgraded))) {
          const client = upgradePlatform(ctx.app);
          const req = await platformRequest(f);
          const started = performance.now();
          // Into a folder kept across attempts: rsync resumes what a kill interrupted.
          const partial = path.join(f.work, 'download.partial');
          await mkdir(partial, { recursive: true });
          const transfer = await client.transferStart(req, 'download');
          const dumpName = transfer.dumpName ?? 'upgraded.dump';
          await downloadInto(await sshTarget(f, transfer), [`/data/${dumpName}`, '/data/filestore'], partial);
          await client.transferStop(req);
          if (!(await pathExists(path.join(partial, dumpName, 'toc.dat')))) {
            throw new UpstreamFailed('The upgrade platform gave no upgraded dump to download.');
          }
          await rm(added, { recursive: true, force: true });
          if (await pathExists(path.join(partial, 'filestore'))) await rename(path.join(partial, 'filestore'), added);
          else await mkdir(added, { recursive: true });
          // The dump last: its folder's presence says both are here.
          await rename(path.join(partial, dumpName), upgraded);
          await rm(partial, { recursive: true, force: true });
          await ctx.save({ downloadMs: Math.round(performance.now() - started) });
        }
        await updateUpgradeRequest(ctx.app.metabase, f.request.id, { state: 'To Restore on Cloud' });
      },
    },
    {
      name: 'restore',
      label: 'Restoring it on a hosting server',
      weight: 20,
      async run(ctx) {
        if (cancelled(ctx) || ctx.data.restored) return;
        const f = await facts(ctx);
        const started = performance.now();
        if (f.inPlace) await restoreBeside(ctx, f);
        else await restoreAsNewDatabase(ctx, f);
        await ctx.save({ restored: true, restoreMs: Math.round(performance.now() - started) });
      },
    },
    {
      name: 'publish',
      label: 'Publishing it (or swapping it in place)',
      weight: 3,
      async run(ctx) {
        if (cancelled(ctx)) return;
        const f = await facts(ctx);
        if (!f.inPlace) {
          const name = f.request.result_database!;
          const row = await findDatabase(ctx.app.metabase, name);
          await publishDatabase(ctx.app, {
            name,
            serverId: row?.server_id ?? f.source.server_id,
            scratch: f.scratch,
            expireDate: row?.expire_date ?? undefined,
          });
          return;
        }
        await swapInPlace(ctx, f);
      },
    },
    {
      name: 'finish',
      label: 'Finishing (unlock, e-mail)',
      weight: 1,
      async run(ctx) {
        if (cancelled(ctx)) return;
        const f = await facts(ctx);
        if (f.inPlace) await unlockAfterUpgrade(ctx.app, f, ctx);
        let request = f.request;
        if (request.state !== 'Done') {
          request = await ctx.app.metabase.transaction().execute(async (tx) => {
            const done = await updateUpgradeRequest(tx, f.request.id, { state: 'Done', done_at: ctx.app.now(), reason: null });
            await supportLog(ctx, tx, f, 'success', `Upgraded to Odoo ${f.request.target} (${modeLabel(f.request)})${f.inPlace ? ' in place' : ` into ${f.request.result_database}`}.`);
            return done;
          });
        }
        if (request.mode !== 'internal' && !ctx.data.mailed) {
          // The mail is not part of the upgrade: an SMTP failure is recorded, the database stays upgraded.
          try {
            const to = await upgradeRecipient(ctx.app, request, f.source);
            if (to) await sendUpgradeDoneMail(ctx.app, request, to);
            await ctx.save({ mailed: true, mailedTo: to });
          } catch (e) {
            ctx.app.log.warn({ err: e, request: request.id }, 'upgrade e-mail not sent');
            await updateUpgradeRequest(ctx.app.metabase, request.id, { reason: `The e-mail could not be sent: ${(e as Error).message}` });
          }
        }
        await rm(f.work, { recursive: true, force: true });
      },
    },
  ],
  result: async (ctx) => {
    const request = await findUpgradeRequest(ctx.app.metabase, ctx.payload.request);
    const d = ctx.data;
    return {
      request: ctx.payload.request,
      state: request?.state,
      database: request?.result_database ?? request?.database_name,
      target: request?.target,
      safetyBackup: d.safetyBackup ?? null,
      timings: { dumpMs: d.dumpMs, uploadMs: d.uploadMs, downloadMs: d.downloadMs, restoreMs: d.restoreMs, swapMs: d.swapMs, downtimeMs: d.downtimeMs },
    };
  },
  async rollback(ctx, error) {
    const f = await facts(ctx).catch(() => undefined);
    if (!f || cancelled(ctx)) return;
    const reason = error instanceof Error ? error.message : String(error);
    if (ctx.data.swapped || (f.request.result_database && (await findDatabase(ctx.app.metabase, f.request.result_database))?.state === 'active')) {
      // The upgraded database is live: the upgrade happened; what failed after it is noted.
      if (f.inPlace) await unlockAfterUpgrade(ctx.app, f, ctx);
      await updateUpgradeRequest(ctx.app.metabase, f.request.id, { state: 'Done', done_at: ctx.app.now(), reason });
      return;
    }
    const server = f.inPlace ? f.sourceServer : await resultServer(ctx.app, f);
    await discardLoad(ctx.app, server, f.scratch, ctx.job.id);
    await removeTree(databaseFilestore(server.filestore_root, f.scratch));
    if (!f.inPlace && f.request.result_database) await abandonDatabase(ctx.app, f.request.result_database);
    // The customer keeps the old database, unlocked; the reason is on the page.
    if (f.inPlace && ctx.data.lockedByUs) await unlockAfterUpgrade(ctx.app, f, ctx);
    const req = platformRequestOf(f.request);
    if (req && platformErrorName(error) !== 'AccessDenied') {
      // Best effort: a request still waiting on the platform is withdrawn there too.
      await upgradePlatform(ctx.app).cancel(req).catch(() => undefined);
    }
    await ctx.app.metabase.transaction().execute(async (tx) => {
      await updateUpgradeRequest(tx, f.request.id, { state: 'Failed', reason, done_at: ctx.app.now() });
      await supportLog(ctx, tx, f, 'failure', `The upgrade to Odoo ${f.request.target} failed: ${reason}`);
    });
    await rm(f.work, { recursive: true, force: true });
  },
});

function modeLabel(r: Pick<UpgradeRequestRow, 'mode'>): string {
  return { internal: 'Internal', copy: 'Copy', production: 'Production', rolling: 'Rolling Release' }[r.mode];
}

async function supportLog(
  ctx: Ctx,
  tx: App['metabase'],
  f: Facts,
  outcome: 'success' | 'failure',
  message: string,
): Promise<void> {
  await insertSupportLog(tx, {
    ...(await jobActor(tx, ctx.job.agent_id)),
    operation: 'upgrade',
    database_name: f.source.name,
    inputs: { request: f.request.id, mode: f.request.mode, target: f.request.target },
    outcome,
    message,
    request_id: null,
  });
}

/**
 * Asks the platform every poll interval how the request is doing, keeping its state and the
 * end of its log on the request row (what the history shows), until done. A failure there is
 * the upgrade's failure (its reason on the page); an unreachable platform is waited out.
 */
async function pollUntilDone(ctx: Ctx, f: Facts): Promise<void> {
  const client = upgradePlatform(ctx.app);
  const req = await platformRequest(f);
  let offset = f.request.log_offset;
  let tail = f.request.log_tail ?? '';
  let unreachableSince: number | null = null;
  const started = Date.now();
  for (;;) {
    try {
      const status = await client.status(req);
      // The log by byte ranges (at most 64 KiB an answer), to its current end.
      for (let chunk = await client.logs(req, offset); chunk.offset > offset; chunk = await client.logs(req, offset)) {
        tail = (tail + chunk.data).slice(-LOG_TAIL_CHARS);
        offset = chunk.offset;
      }
      unreachableSince = null;
      await updateUpgradeRequest(ctx.app.metabase, f.request.id, {
        platform_state: status.archived ? 'archived' : status.state,
        platform_archived: status.archived,
        log_tail: tail,
        log_offset: offset,
      });
      if (status.state === 'done') return;
      if (status.state === 'failed') throw new Invalid(status.reason ?? 'The upgrade platform failed the upgrade without a reason.');
      if (status.state === 'cancelled' || status.archived) {
        throw new Conflict(`The request is ${status.archived ? 'archived' : status.state} on the upgrade platform.`);
      }
      // The platform gives no percentage: the bar creeps towards the step's end so it never looks stuck.
      const elapsed = (Date.now() - started) / 1000;
      await ctx.progress(Math.min(0.95, elapsed / (elapsed + 30)));
    } catch (e) {
      if (!(e instanceof UpstreamFailed)) throw e;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > PLATFORM_OUTAGE_PATIENCE_MS) throw e;
      ctx.app.log.warn({ err: e.message, request: f.request.id }, 'upgrade platform unreachable; polling again');
    }
    await sleep(ctx.app.config.upgrades.pollMs);
  }
}

/** The server an Internal or Copy upgrade's database lives on (claimed in `restore`), else the least loaded. */
async function resultServer(app: App, f: Facts): Promise<HostingServerRow> {
  const row = f.request.result_database ? await findDatabase(app.metabase, f.request.result_database) : undefined;
  if (row) return app.tenants.server(row.server_id);
  return leastLoadedServer(app.metabase);
}

/**
 * Internal and Copy: a new database on the least loaded hosting server, claimed under its
 * name (`creating`), restored as the loader role under a scratch name, made its own (new
 * uuid and secret, neutralized: it is a test of the upgrade, never a second production), its
 * filestore a hard-linked copy of the source's plus the platform's additions.
 */
async function restoreAsNewDatabase(ctx: Ctx, f: Facts): Promise<void> {
  const { app } = ctx;
  let name = f.request.result_database;
  if (!name) {
    name = upgradedName(f.source.name, f.request.id);
    const server = await leastLoadedServer(app.metabase);
    const claimed = name;
    await app.metabase.transaction().execute(async (tx) => {
      await claimNewDatabase(app, tx, {
        ...testCopyRow(f.source, { name: claimed, uuid: randomUUID(), now: app.now(), version: f.request.target }),
        server_id: server.id,
      });
      await updateUpgradeRequest(tx, f.request.id, { result_database: claimed });
    });
  }
  const row = await findDatabase(app.metabase, name);
  if (!row) throw new Conflict(`The reserved database ${name} has no metabase row any more.`);
  if (row.state !== 'creating') return;
  const server = await app.tenants.server(row.server_id);
  const login = await prepareLoad(app, server, f.scratch, ctx.job.id);
  await shareDirectoryDump(path.join(f.work, 'upgraded'));
  await restoreDirectoryDump(server, path.join(f.work, 'upgraded'), login, { jobs: PARALLEL_JOBS });
  const now = app.now();
  const odooSource = () => odooAddonsPathsOf(app.config, server.name, f.request.target);
  await asLoader(app, server, login, async (client) => {
    await makeItsOwn(client, { uuid: row.uuid, now, expireDate: row.expire_date ?? now, version: f.request.target, neutralize: true, odooSource });
  });
  await finishLoad(app, server, login, name);
  const filestore = databaseFilestore(server.filestore_root, f.scratch);
  await removeTree(filestore);
  await linkOrCopyTree(databaseFilestore(f.sourceServer.filestore_root, f.source.name), filestore);
  await mergeTreeLinks(path.join(f.work, 'filestore-added'), filestore);
}

/**
 * Production and rolling release: the upgraded database is restored beside the customer's,
 * on its own cluster (the swap is a rename), and owned as the customer's database is. The
 * platform's filestore additions join the live folder: content-addressed new files that the
 * old database never references, so it keeps working if the swap never comes.
 */
async function restoreBeside(ctx: Ctx, f: Facts): Promise<void> {
  const { app } = ctx;
  if (ctx.data.swapped) return;
  const server = f.sourceServer;
  const login = await prepareLoad(app, server, f.scratch, ctx.job.id);
  await shareDirectoryDump(path.join(f.work, 'upgraded'));
  await restoreDirectoryDump(server, path.join(f.work, 'upgraded'), login, { jobs: PARALLEL_JOBS });
  await finishLoad(app, server, login, f.source.name);
  await mergeTreeLinks(path.join(f.work, 'filestore-added'), databaseFilestore(server.filestore_root, f.source.name));
}

/**
 * The swap in place, under the maintenance lock: a safety backup of the old database, then
 * the rename dance. The metabase transaction locks the row and writes the new version; inside
 * it, one cluster transaction renames the customer's database to `replaced` and the upgraded
 * one to the customer's name (ALTER DATABASE … RENAME is transactional, so the name is the old
 * database or the new one at every instant). The metabase commits after the cluster: if the
 * swap fails, the version is not written; if the metabase commit is what fails, the rerun finds
 * the scratch database gone (the swap done) and writes the version. Then the old one is dropped.
 */
async function swapInPlace(ctx: Ctx, f: Facts): Promise<void> {
  const { app } = ctx;
  if (!ctx.data.safetyBackup) {
    const safety = await takeBackup(app, f.source, { kind: 'safety', jobId: ctx.job.id, agentId: ctx.job.agent_id });
    await ctx.save({ safetyBackup: safety.id });
  }
  const started = performance.now();
  await app.metabase.transaction().execute(async (tx) => {
    await lockDatabase(tx, f.source.name);
    await app.tenants.withCluster(f.sourceServer.id, async (admin) => {
      if (await databaseExists(admin, f.scratch)) await swapDatabases(admin, f.source.name, f.scratch, f.replaced);
    });
    await updateDatabase(tx, f.source.name, { version: f.request.target });
    await updateUpgradeRequest(tx, f.request.id, { result_database: f.source.name });
  });
  await ctx.save({ swapped: true, swapMs: Math.round(performance.now() - started) });
  await dropScratchDatabase(app, f.sourceServer.id, f.replaced);
}

/** Ends the upgrade's maintenance lock (the status it replaced comes back). Idempotent. */
async function unlockAfterUpgrade(app: App, f: Facts, ctx: Ctx): Promise<void> {
  if (!ctx.data.lockedByUs) return;
  await app.metabase.transaction().execute(async (tx) => {
    const db = await lockDatabase(tx, f.source.name);
    if (!db || !isLocked(db) || !db.lock_reason?.includes(`request #${f.request.id}`)) return;
    await updateDatabase(tx, f.source.name, {
      status: db.status_before_lock ?? 'open',
      status_before_lock: null,
      lock_reason: null,
    });
  });
  if (!ctx.data.downtimeMs && typeof ctx.data.lockedAt === 'string') {
    await ctx.save({ downtimeMs: Date.now() - new Date(ctx.data.lockedAt).getTime() });
  }
}
