import { Logger as WorkerLogger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from 'pino';
import { RESERVED_NAME_PREFIX } from '../hosting/database-name.js';
import type { LoadCluster } from '../provisioning/customer-sql.js';
import { RequestFiles } from './files.js';
import type { SshUser } from './ssh-server.js';
import type { UpgradePlatformOptions } from './options.js';
import {
  archiveDueRequests,
  archivedRequestIds,
  databasesLike,
  finishRequest,
  interruptedRequests,
  lockedQueueWorkers,
  requeueRequest,
  rolesLike,
  startProcessing,
  UPGRADE_TASK,
} from './store.js';
import { discardScratch, upgradeRequest, UpgradeRefused, upgradeScratch } from './upgrade.js';
import { dropRoleIfExists } from '../hosting/restore-cluster.js';
import { dropDatabase } from '../hosting/cluster-databases.js';

/** A request interrupted this many times (kills, crashes) fails instead of starting again. */
export const MAX_UPGRADE_ATTEMPTS = 3;

export interface UpgradeWorker {
  stop(): Promise<void>;
  /** Archives what is due now (the timer does it too). */
  archive(): Promise<number>;
}

/**
 * The platform's worker: graphile-worker on the platform's own database runs one job per
 * processed request. The requests table is the truth: at start, what a killed process left in
 * progress has its scratch dropped and runs again from its upload.
 */
export async function startUpgradeWorker(deps: {
  db: pg.Pool;
  cluster: LoadCluster;
  options: UpgradePlatformOptions;
  log: Logger;
  /** The SSH server's user, who gets the results to serve (undefined: the platform's own user). */
  transferUser?: SshUser;
}): Promise<UpgradeWorker> {
  const { db, cluster, options, log, transferUser } = deps;
  const logger = new WorkerLogger((scope) => (level, message, meta) => {
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    log[method]({ worker: scope, ...meta }, message);
  });
  const utils: WorkerUtils = await makeWorkerUtils({ pgPool: db, logger });
  await utils.migrate();
  await recover(db, cluster, options, log, utils);

  const stopping = new AbortController();
  const runner: Runner = await run({
    pgPool: db,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 500,
    logger,
    taskList: {
      [UPGRADE_TASK]: async (payload) => {
        const id = Number((payload as { request?: unknown }).request);
        if (!Number.isSafeInteger(id)) return;
        const row = await startProcessing(db, id);
        if (!row) return; // cancelled, or another job of the same request has it
        const files = new RequestFiles(options.dataDir, id);
        if (row.attempts > MAX_UPGRADE_ATTEMPTS) {
          await files.appendLog(`ERROR the upgrade was interrupted ${row.attempts - 1} times; giving up`);
          await finishRequest(db, id, { state: 'failed', reason: `The upgrade was interrupted ${row.attempts - 1} times.` });
          return;
        }
        try {
          await upgradeRequest({ options, cluster, signal: stopping.signal, transferUser, db }, row, files);
          await finishRequest(db, id, { state: 'done' });
        } catch (e) {
          await discardScratch(cluster, id).catch(() => undefined);
          await files.clearWork().catch(() => undefined);
          if (stopping.signal.aborted) {
            // The platform is stopping: the request runs again at the next start.
            await files.appendLog('The platform stopped during the upgrade: it will start again').catch(() => undefined);
            await requeueRequest(db, id);
            return;
          }
          const reason = e instanceof UpgradeRefused ? e.message : `Internal error of the upgrade platform: ${(e as Error).message}`;
          if (!(e instanceof UpgradeRefused)) log.error({ err: e, request: id }, 'upgrade failed');
          await files.appendLog(`ERROR ${reason}`).catch(() => undefined);
          await finishRequest(db, id, { state: 'failed', reason: reason.slice(0, 2000) });
        }
      },
    },
  });

  const archiveMs = options.archiveHours * 3_600_000;
  const archive = async () => {
    const ids = await archiveDueRequests(db, archiveMs);
    for (const id of ids) await new RequestFiles(options.dataDir, id).archive();
    if (ids.length) log.info({ requests: ids }, 'archived upgrade requests');
    return ids.length;
  };
  const timer = setInterval(
    () => void archive().catch((err) => log.error({ err }, 'archiving failed')),
    Math.min(60_000, Math.max(250, archiveMs / 4)),
  );
  timer.unref();

  return {
    archive,
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await runner.stop();
      await utils.release();
    },
  };
}

/**
 * What a killed process left: its queue locks (released: no other process works this queue),
 * requests in progress (scratch dropped, back to pending with a job), scratch databases and
 * roles of no running upgrade, and files of archived requests.
 */
async function recover(
  db: pg.Pool,
  cluster: LoadCluster,
  options: UpgradePlatformOptions,
  log: Logger,
  utils: WorkerUtils,
): Promise<void> {
  const dead = await lockedQueueWorkers(db);
  if (dead.length) await utils.forceUnlockWorkers(dead);
  for (const id of await interruptedRequests(db)) {
    await discardScratch(cluster, id);
    const files = new RequestFiles(options.dataDir, id);
    await files.clearWork();
    await files.appendLog('The platform stopped during this upgrade; it starts again');
    await requeueRequest(db, id);
    log.warn({ request: id }, 'upgrade interrupted by a stop; queued again');
  }
  // Nothing runs yet: every scratch database or role of ours is a leftover.
  const { database, role } = upgradeScratch(1);
  const dbPrefix = database.slice(0, -1);
  const rolePrefix = role.slice(0, -1);
  if (!dbPrefix.startsWith(RESERVED_NAME_PREFIX)) throw new Error('scratch names left the reserved namespace');
  await cluster.withAdmin(async (admin) => {
    for (const name of await databasesLike(admin, dbPrefix)) await dropDatabase(admin, name);
    for (const name of await rolesLike(admin, rolePrefix)) await dropRoleIfExists(admin, name);
  });
  for (const id of await archivedRequestIds(db)) await new RequestFiles(options.dataDir, id).archive();
}
