import { refreshSite } from '../frontend/sites.js';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { App } from '../app.js';
import { Conflict, NotFound } from '../errors.js';
import { treeSize } from '../hosting/backup-files.js';
import { databaseSize, freezeDatabase, publicCanConnect, revokeConnect, tableDataSize, thawDatabase } from '../hosting/database-copy.js';
import { databaseExists } from '../hosting/cluster-databases.js';
import { dumpDirectory, freshDumpFolder } from '../hosting/directory-dump.js';
import { syncTree } from '../hosting/filestore-sync.js';
import { pathExists } from '../hosting/path-exists.js';
import { dropDatabase, renameDatabase } from '../hosting/cluster-databases.js';
import { restoreDirectoryDump } from '../hosting/restore-directory-dump.js';
import { jobActor } from '../lifecycle/system-actor.js';
import { findDatabase, lockDatabase, updateDatabase } from '../metabase/repositories/databases.js';
import { mergeJobData } from '../metabase/repositories/jobs.js';
import { insertMoveRollbackCopy } from '../metabase/repositories/move-rollback-copies.js';
import { insertSupportLog } from '../metabase/repositories/support-logs.js';
import type { MetabaseDb } from '../metabase/connect.js';
import type { DatabaseRow, HostingServerRow } from '../metabase/schema.js';
import { endMaintenanceLock, isLocked, setMaintenanceLock } from '../lifecycle/maintenance-lock.js';
import { createLoadTarget, dropLoaderRole, finishLoad } from '../provisioning/customer-sql.js';
import { clearScratchDatabase, dropScratchDatabase, scratchName } from '../provisioning/scratch.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { defineJob, stepData, type StepContext, type StepDataOf } from './define.js';

/** The lock's reason while a move runs: the banner says why the database is unavailable. */
export const MOVING = 'moving';

const movePayload = z.object({
  from: z.number().int().positive(),
  to: z.number().int().positive(),
  /** pg_dump / pg_restore connections (benchmarks compare at the same count). */
  jobs: z.number().int().min(1).max(16).optional(),
});
type MovePayload = z.infer<typeof movePayload>;

/** Parallel connections of the dump and of the restore: the hosting servers have few cores. */
const DEFAULT_JOBS = 2;

/** What the steps record in the job's data. */
const moveData = stepData({
  /** Whether PUBLIC could connect to the source before it was frozen (not so for a dropped database). */
  publicConnect: z.boolean(),
  lockedAt: z.string(),
  unlockedAt: z.string(),
  /** The switch is about to put the copy under the database's name on the target: from then on, that name there is ours. */
  switching: z.boolean(),
  precopy: z.object({ files: z.number(), bytes: z.number(), copiedBytes: z.number() }),
  finalSync: z.object({ copiedFiles: z.number(), copiedBytes: z.number(), removed: z.number() }),
  dumpMs: z.number(),
  /** The folder the dump step's successful attempt wrote. */
  dumpFolder: z.string(),
  restoreMs: z.number(),
  keepUntil: z.string(),
});
type MoveData = StepDataOf<typeof moveData>;
type MoveContext = StepContext<MovePayload, MoveData>;

interface MoveFacts {
  db: DatabaseRow;
  from: HostingServerRow;
  to: HostingServerRow;
  /** The database has been switched to the target in the metabase: the move is done, whatever follows. */
  switched: boolean;
  /** The copy's database and filestore folder on the target while it is built. */
  building: string;
  /** The source's database and folder once kept as a rollback. */
  kept: string;
  dumpDir: string;
  srcFolder: string;
  dstFolder: string;
  buildingFolder: string;
  keptFolder: string;
}

async function facts(ctx: MoveContext): Promise<MoveFacts> {
  const { app, job, payload } = ctx;
  const db = await findDatabase(app.metabase, job.database_name!);
  if (!db) throw new NotFound(`The database ${job.database_name} is unknown.`);
  const [from, to] = await Promise.all([app.tenants.server(payload.from), app.tenants.server(payload.to)]);
  const building = scratchName('move', job.id);
  const kept = scratchName('moved', job.id);
  return {
    db,
    from,
    to,
    switched: db.server_id === to.id,
    building,
    kept,
    dumpDir: path.join(from.backup_root, building),
    srcFolder: databaseFilestore(from.filestore_root, db.name),
    dstFolder: databaseFilestore(to.filestore_root, db.name),
    buildingFolder: databaseFilestore(to.filestore_root, building),
    keptFolder: databaseFilestore(from.filestore_root, kept),
  };
}

/** Progress of a step, at most every 2 %, without holding the step up. */
function reporter(ctx: MoveContext): (done: number, total: number) => void {
  let reported = 0;
  return (done, total) => {
    const fraction = total > 0 ? done / total : 1;
    if (fraction - reported < 0.02) return;
    reported = fraction;
    void ctx.progress(fraction).catch(() => undefined);
  };
}

/**
 * The progress of a step whose tool says nothing while it works (pg_dump, pg_restore): what
 * `measure` finds done, polled every second, against the `total` expected; never quite 100 %.
 */
async function reportWhile<T>(
  ctx: MoveContext,
  total: number,
  measure: () => Promise<number>,
  work: Promise<T>,
): Promise<T> {
  const report = reporter(ctx);
  const timer = setInterval(() => {
    void measure()
      .then((done) => report(Math.min(done, total * 0.97), total))
      .catch(() => undefined);
  }, 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** A folder renamed into its place, unless that was done already (a resumed attempt). */
async function renameFolder(from: string, to: string): Promise<void> {
  if (!(await pathExists(from))) return;
  if (await pathExists(to)) throw new Conflict(`${to} already exists; refusing to overwrite it.`);
  await rename(from, to);
}

/**
 * The source, switched away from, becomes the rollback copy: renamed into the reserved
 * namespace (no tenant name, so nothing can reach it by the customer's name and the name is free
 * on that server again), still frozen (no CONNECT, read-only by default). Idempotent.
 */
async function keepSourceAsRollback(app: App, f: MoveFacts): Promise<void> {
  await app.tenants.withCluster(f.from.id, async (admin) => {
    if ((await databaseExists(admin, f.db.name)) && !(await databaseExists(admin, f.kept)))
      await renameDatabase(admin, f.db.name, f.kept);
  });
  await renameFolder(f.srcFolder, f.keptFolder);
}

/** Ends the move's lock and records when (the end of the downtime); nothing when it is not ours. */
async function endMoveLock(ctx: MoveContext, tx: MetabaseDb, name: string): Promise<DatabaseRow | undefined> {
  const row = await lockDatabase(tx, name);
  if (!row || !isLocked(row) || row.lock_reason !== MOVING) return undefined;
  await endMaintenanceLock(tx, row);
  await mergeJobData(tx, ctx.job.id, { unlockedAt: new Date().toISOString() });
  return row;
}

function downtimeMs(d: MoveData): number | null {
  if (!d.lockedAt || !d.unlockedAt) return null;
  return new Date(d.unlockedAt).getTime() - new Date(d.lockedAt).getTime();
}

/**
 * `move-database`: a database and its filestore go to another hosting server. The filestore is
 * copied while the customer works; then the database is locked (maintenance, "moving") and
 * frozen on the source, dumped in directory format and restored in parallel on the target
 * under a scratch name, the filestore's remainder synced, and the switch puts the copy under
 * its name and the metabase row on the target in one transaction: before it, a failure rolls
 * back to the source untouched; after it, the job only goes forward. The source is kept,
 * renamed and read-only, as a rollback until the reaper removes it.
 */
export const moveDatabaseJob = defineJob({
  kind: 'move-database',
  label: 'Move',
  payload: movePayload,
  data: moveData,
  maxAttempts: 5,
  // Weights from the bench (1 GB + 1 GB): the live pre-copy ~10 % of the time, the dump ~25 %,
  // the restore (indexes built) ~60 %; the other steps take seconds.
  steps: [
    {
      name: 'precopy-filestore',
      label: 'Copying the files (the database stays available)',
      weight: 15,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.switched) return;
        const s = await syncTree(f.srcFolder, f.buildingFolder, reporter(ctx));
        await ctx.save({ precopy: { files: s.files, bytes: s.bytes, copiedBytes: s.copiedBytes } });
      },
    },
    {
      name: 'lock',
      label: 'Locking the database',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.switched) return;
        // Read before freezing: a dropped database had no CONNECT, and must not get it back.
        if (ctx.data.publicConnect === undefined) {
          await ctx.save({ publicConnect: await ctx.app.tenants.withCluster(f.from.id, (a) => publicCanConnect(a, f.db.name)) });
        }
        await ctx.app.metabase.transaction().execute(async (tx) => {
          const row = await lockDatabase(tx, f.db.name);
          if (!row || isLocked(row)) return; // ours: the job holds the database, nobody else locks it
          await setMaintenanceLock(tx, row, MOVING);
          await mergeJobData(tx, ctx.job.id, { lockedAt: new Date().toISOString() });
        });
        await ctx.save({});
        await ctx.app.tenants.withCluster(f.from.id, (admin) => freezeDatabase(admin, f.db.name));
      },
    },
    {
      name: 'dump',
      label: 'Dumping the database',
      weight: 25,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.switched) return;
        const started = performance.now();
        // A folder per attempt: a pg_dump orphaned by a killed worker may still be writing,
        // into a folder that no longer exists once this one removed the job's whole dump folder.
        const folder = path.join(f.dumpDir, `attempt-${ctx.job.attempts}`);
        await rm(f.dumpDir, { recursive: true, force: true, maxRetries: 5 });
        await mkdir(f.dumpDir, { recursive: true, mode: 0o755 });
        await freshDumpFolder(folder);
        const dataBytes = await ctx.app.tenants.withTenant(f.db, tableDataSize);
        await reportWhile(
          ctx,
          dataBytes,
          () => treeSize(folder),
          dumpDirectory(f.from, ctx.app.tenants.tenantLogin(f.db.name), folder, { jobs: ctx.payload.jobs ?? DEFAULT_JOBS }),
        );
        await ctx.save({ dumpMs: Math.round(performance.now() - started), dumpFolder: folder });
      },
    },
    {
      name: 'restore',
      label: 'Restoring it on the new server',
      weight: 50,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.switched) return;
        const dump = ctx.data.dumpFolder;
        if (!dump) throw new Error('The dump step recorded no dump folder.');
        const started = performance.now();
        // A copy a crashed attempt left may be partial: start it over (its role goes with it).
        await clearScratchDatabase(ctx.app, f.to.id, f.building);
        const login = await createLoadTarget(ctx.app, f.to, f.building, ctx.job.id, { odooExtensions: false });
        const sourceBytes = await ctx.app.tenants.withCluster(f.from.id, (a) => databaseSize(a, f.db.name));
        await reportWhile(
          ctx,
          sourceBytes,
          () => ctx.app.tenants.withCluster(f.to.id, (a) => databaseSize(a, f.building)),
          restoreDirectoryDump(f.to, dump, login, { jobs: ctx.payload.jobs ?? DEFAULT_JOBS }),
        );
        await finishLoad(ctx.app, f.to, login, f.db.name);
        await ctx.save({ restoreMs: Math.round(performance.now() - started) });
      },
    },
    {
      name: 'final-sync',
      label: 'Copying the files changed meanwhile',
      weight: 3,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.switched) return;
        const s = await syncTree(f.srcFolder, f.buildingFolder, reporter(ctx));
        await ctx.save({ finalSync: { copiedFiles: s.copiedFiles, copiedBytes: s.copiedBytes, removed: s.removed } });
      },
    },
    {
      name: 'switch',
      label: 'Switching to the new server',
      weight: 2,
      async run(ctx) {
        const f = await facts(ctx);
        if (f.switched) return;
        const { app } = ctx;
        if (!ctx.data.switching) {
          // The operation checked the name was free there; whatever holds it now is not ours.
          const taken = await app.tenants.withCluster(f.to.id, (a) => databaseExists(a, f.db.name));
          if (taken || (await pathExists(f.dstFolder)))
            throw new Conflict(`A database or folder named ${f.db.name} appeared on ${f.to.name}; the move is undone.`);
          await ctx.save({ switching: true });
        }
        await app.tenants.withCluster(f.to.id, async (admin) => {
          if (await databaseExists(admin, f.building)) {
            if (await databaseExists(admin, f.db.name))
              throw new Conflict(`A database named ${f.db.name} appeared on ${f.to.name}; the move is undone.`);
            await renameDatabase(admin, f.building, f.db.name);
          } else if (!(await databaseExists(admin, f.db.name))) {
            throw new Error(`The restored copy of ${f.db.name} is missing on ${f.to.name}.`);
          }
          if (!ctx.data.publicConnect) await revokeConnect(admin, f.db.name);
        });
        await renameFolder(f.buildingFolder, f.dstFolder);
        const keepUntil = new Date(app.now().getTime() + app.config.moveKeepSourceHours * 3_600_000);
        await app.metabase.transaction().execute(async (tx) => {
          const row = await lockDatabase(tx, f.db.name);
          if (!row || row.server_id !== f.from.id) return;
          await updateDatabase(tx, f.db.name, { server_id: f.to.id });
          await insertMoveRollbackCopy(tx, {
            database_name: f.db.name,
            server_id: f.from.id,
            copy_name: f.kept,
            filestore_path: f.keptFolder,
            job_id: ctx.job.id,
            keep_until: keepUntil,
          });
          await mergeJobData(tx, ctx.job.id, { keepUntil: keepUntil.toISOString() });
        });
        await refreshSite(app, f.db.name, f.from);
        await ctx.save({});
      },
    },
    {
      name: 'unlock',
      label: 'Unlocking the database',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        if (!f.switched) throw new Error(`${f.db.name} is not on ${f.to.name} yet; it cannot be unlocked there.`);
        const who = await jobActor(ctx.app.metabase, ctx.job.agent_id);
        await ctx.app.metabase.transaction().execute(async (tx) => {
          if (!(await endMoveLock(ctx, tx, f.db.name))) return;
          const d = moveData.parse(await mergeJobData(tx, ctx.job.id, {}));
          const ms = downtimeMs(d);
          await insertSupportLog(tx, {
            ...who,
            operation: 'move-database',
            database_name: f.db.name,
            inputs: { server: f.to.name },
            outcome: 'success',
            message: `Moved from ${f.from.name} to ${f.to.name}; unavailable for ${ms === null ? 'an unknown time' : `${(ms / 1000).toFixed(1)} s`}. The source is kept read-only as ${f.kept} on ${f.from.name} until ${d.keepUntil ?? 'the reaper removes it'}.`,
            request_id: null,
          });
        });
        await ctx.save({});
      },
    },
    {
      name: 'keep-source',
      label: 'Keeping the old copy read-only',
      weight: 1,
      async run(ctx) {
        const f = await facts(ctx);
        await keepSourceAsRollback(ctx.app, f);
      },
    },
    {
      name: 'cleanup',
      label: 'Cleaning up',
      weight: 2,
      async run(ctx) {
        const f = await facts(ctx);
        await rm(f.dumpDir, { recursive: true, force: true });
        await dropLoaderRole(ctx.app, f.to.id, ctx.job.id);
      },
    },
  ],
  result: async (ctx) => {
    const f = await facts(ctx);
    const d = ctx.data;
    return {
      database: f.db.name,
      from: f.from.name,
      to: f.to.name,
      downtimeMs: downtimeMs(d),
      dumpMs: d.dumpMs,
      restoreMs: d.restoreMs,
      filestore: { precopy: d.precopy, finalSync: d.finalSync },
      rollbackCopy: { server: f.from.name, name: f.kept, keepUntil: d.keepUntil },
    };
  },
  async rollback(ctx, error) {
    const f = await facts(ctx).catch(() => undefined);
    if (!f) return;
    const { app } = ctx;
    const d = ctx.data;
    if (f.switched) {
      // The customer's database is the target's already: finish what can be, never undo it.
      await app.metabase.transaction().execute((tx) => endMoveLock(ctx, tx, f.db.name));
      await keepSourceAsRollback(app, f).catch((e: unknown) => app.log.warn({ err: e, job: ctx.job.id }, 'move: the source could not be renamed into its rollback copy'));
      await rm(f.dumpDir, { recursive: true, force: true });
      return;
    }
    // Nothing of the move may stay on the target: the copy under construction, under the
    // database's name when the switch had started there, its folders, the loader role.
    // A rename is atomic: once the copy is gone from its scratch name, the database's name
    // there is the copy (the switch checked the name was free before it began).
    await app.tenants.withCluster(f.to.id, async (admin) => {
      if (d.switching && !(await databaseExists(admin, f.building))) await dropDatabase(admin, f.db.name);
    });
    await dropScratchDatabase(app, f.to.id, f.building);
    await dropLoaderRole(app, f.to.id, ctx.job.id);
    if (d.switching && !(await pathExists(f.buildingFolder))) await rm(f.dstFolder, { recursive: true, force: true });
    await rm(f.buildingFolder, { recursive: true, force: true });
    await rm(f.dumpDir, { recursive: true, force: true });
    // The source as it was: writable, reachable if it was, unlocked.
    if (d.publicConnect !== undefined)
      await app.tenants.withCluster(f.from.id, (admin) => thawDatabase(admin, f.db.name, d.publicConnect!));
    const who = await jobActor(app.metabase, ctx.job.agent_id);
    await app.metabase.transaction().execute(async (tx) => {
      await endMoveLock(ctx, tx, f.db.name);
      await insertSupportLog(tx, {
        ...who,
        operation: 'move-database',
        database_name: f.db.name,
        inputs: { server: f.to.name },
        outcome: 'failure',
        message: `The move to ${f.to.name} failed and was undone; the database stays on ${f.from.name}: ${error instanceof Error ? error.message : String(error)}`,
        request_id: null,
      });
    });
  },
});
