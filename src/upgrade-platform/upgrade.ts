import { chmod, chown, copyFile, lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { clusterOwner } from '../hosting/cluster.js';
import { runPgToolAsLoader, type LoaderLogin } from '../hosting/backup-pg.js';
import { dropRoleIfExists } from '../hosting/restore-cluster.js';
import { dropDatabase } from '../hosting/cluster-databases.js';
import { asLoaderOn, createLoadTargetOn, loadArchive, type LoadCluster } from '../provisioning/customer-sql.js';
import { scratchName } from '../provisioning/scratch.js';
import { setConfigParameter } from '../tenant/config-parameters.js';
import { installedModules, setModuleVersion } from '../tenant/modules.js';
import { regenerateAssets } from './assets.js';
import type { RequestFiles } from './files.js';
import type { UpgradePlatformOptions } from './options.js';
import { applySchemaStep } from './schema-steps.js';
import type { RequestRow } from './store.js';
import { escapeHtml } from './page.js';
import { RESULT_DUMP_NAME } from './service.js';
import type { SshUser } from './ssh-server.js';
import { setRequestVersion } from './store.js';
import { moveModuleVersion, parseSeries, schemaSteps, splitModuleVersion, upgradePathProblem } from './versions.js';

/** The scratch database a request is upgraded in, and the role that owns it (reserved namespace). */
export function upgradeScratch(id: number): { database: string; role: string } {
  return { database: scratchName('upgrade', id), role: scratchName('upgrader', id) };
}

/** Drops a request's scratch database, then its role. Idempotent; a restart calls it for every interrupted request. */
export async function discardScratch(cluster: LoadCluster, id: number): Promise<void> {
  const { database, role } = upgradeScratch(id);
  await cluster.withAdmin(async (admin) => {
    await dropDatabase(admin, database);
    await dropRoleIfExists(admin, role);
  });
}

/** What refuses an upgrade (the request ends `failed` with this reason), as opposed to a fault. */
export class UpgradeRefused extends Error {}

export interface UpgradeContext {
  options: UpgradePlatformOptions;
  cluster: LoadCluster;
  signal: AbortSignal;
  /** Who owns the results, for the download transfer (the SSH server's user); undefined: the platform's own. */
  transferUser?: SshUser;
  /** The platform's database, where a version read from the dump is recorded. */
  db: pg.Pool;
}

/**
 * The platform's upgrade of one request, start to end: the uploaded dump restored as a role that
 * owns only its scratch database; the installed modules checked; the schema, module versions,
 * parameters and asset bundles of the target written as that role (customer SQL never runs as
 * the superuser, a trigger the dump planted included); the result dumped (directory format) and
 * tarred with the filestore files the upgrade added. Every run starts from the upload, so a run
 * after a crash is a clean rerun.
 */
export async function upgradeRequest(ctx: UpgradeContext, row: RequestRow, files: RequestFiles): Promise<void> {
  const { cluster, options } = ctx;
  const { database, role } = upgradeScratch(row.id);
  const owner = clusterOwner();
  await discardScratch(cluster, row.id);
  await files.clearWork();
  await rm(files.download, { recursive: true, force: true });
  const outParent = path.join(files.work, 'out');
  const filestoreDir = path.join(files.work, 'filestore');
  // The cluster's OS user reads the upload (pg_restore) and writes the result dump; it owns those.
  for (const dir of [outParent, filestoreDir]) {
    await mkdir(dir, { recursive: true });
    if (owner && dir !== filestoreDir) await chown(dir, owner.uid, owner.gid);
  }
  if (owner) await chown(files.work, owner.uid, owner.gid);

  await files.appendLog(`Upgrade of database ${row.dbuuid ?? '(uuid not given)'} to ${row.target} (${row.aim}), attempt ${row.attempts}`);
  const dump = path.join(files.origin, 'origin.dump');
  // pg_restore runs as the cluster's OS user: the taken upload becomes its (still none of the SSH user's).
  const bytes = await ownTree(files.origin, owner).catch(() => refuse(new Error('The uploaded dump is gone.')));
  const megabytes = bytes / 1048576;
  await files.appendLog(`Restoring the dump: ${megabytes.toFixed(1)} MB`);
  const login = await createLoadTargetOn(cluster, database, role, { odooExtensions: true });
  await loadArchive(cluster.address, login, dump).catch((e: Error) => refuse(new Error(`The dump could not be restored: ${e.message}`)));

  await asLoaderOn(cluster, login, (client) =>
    migrate(client, { ctx, row, files, filestoreDir, paceMs: megabytes * options.msPerMb }),
  );

  await files.appendLog('Dumping the upgraded database');
  const outDir = path.join(outParent, RESULT_DUMP_NAME);
  await dumpAsLoader(cluster, login, outDir);
  await discardScratch(cluster, row.id);
  await files.appendLog(`Upgrade done: the database is on ${row.target}`);
  await publishResult(ctx, row, files, { dump: outDir, filestore: filestoreDir });
  await files.clearWork();
}

/**
 * The result where a download transfer finds it, as Odoo's client fetches it from /data/: the
 * dump folder, `filestore/`, `upgrade-report.html` and `upgrade.log`; put in place under a
 * temporary name, then owned by the SSH server's user (read-only to it: the key is `-ro`).
 */
async function publishResult(ctx: UpgradeContext, row: RequestRow, files: RequestFiles, made: { dump: string; filestore: string }): Promise<void> {
  const partial = `${files.download}.partial`;
  await rm(partial, { recursive: true, force: true });
  const data = path.join(partial, 'data');
  await mkdir(data, { recursive: true });
  await rename(made.dump, path.join(data, RESULT_DUMP_NAME));
  await rename(made.filestore, path.join(data, 'filestore'));
  await copyFile(files.log, path.join(data, 'upgrade.log'));
  await writeFile(path.join(data, 'upgrade-report.html'), upgradeReport(row, await files.logTail(64 * 1024)));
  await ownTree(partial, ctx.transferUser, { dirMode: 0o700, fileMode: 0o600 });
  await rename(partial, files.download);
}

/** A short HTML report of the upgrade (the log's end), as Odoo's platform leaves one beside the dump. */
function upgradeReport(row: RequestRow, logTail: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Upgrade report ${row.id}</title></head>
<body><h1>Upgrade report of request ${row.id}</h1><p>${escapeHtml(row.version ?? '')} → ${escapeHtml(row.target)} (${escapeHtml(row.aim)})</p>
<pre>${escapeHtml(logTail)}</pre></body></html>
`;
}

/** Gives a file or a tree to `user` (no change when undefined), with the modes asked; answers the bytes of its files. Never follows a link. */
async function ownTree(
  root: string,
  user: { uid: number; gid: number } | undefined,
  modes: { dirMode?: number; fileMode?: number } = {},
): Promise<number> {
  const st = await lstat(root);
  if (user) await chown(root, user.uid, user.gid);
  if (st.isDirectory()) {
    if (modes.dirMode) await chmod(root, modes.dirMode);
    let bytes = 0;
    for (const entry of await readdir(root)) bytes += await ownTree(path.join(root, entry), user, modes);
    return bytes;
  }
  if (st.isFile()) {
    if (modes.fileMode) await chmod(root, modes.fileMode);
    return st.size;
  }
  return 0;
}

function refuse(e: unknown): never {
  throw new UpgradeRefused((e as Error).message);
}

interface MigrateInput {
  ctx: UpgradeContext;
  row: RequestRow;
  files: RequestFiles;
  filestoreDir: string;
  /** The whole migration's pace, spread over the modules. */
  paceMs: number;
}

/** The migration proper, in one transaction as the loader role: all of it, or the request fails with nothing half-done. */
async function migrate(client: pg.ClientBase, { ctx, row, files, filestoreDir, paceMs }: MigrateInput): Promise<void> {
  // A trigger the dump planted (it fires as the loader role) may loop: no statement runs forever.
  await client.query(`SET LOCAL statement_timeout = '15min'`);
  const modules = await installedModules(client);
  const base = modules.find((m) => m.name === 'base');
  if (!base) throw new UpgradeRefused('The dump is not an Odoo database: the base module is not installed.');
  const baseSeries = base.latest_version ? splitModuleVersion(base.latest_version)?.series : undefined;
  if (row.version !== null && baseSeries !== row.version) {
    throw new UpgradeRefused(
      `The dump is a database of version ${baseSeries ?? base.latest_version ?? 'unknown'}, not of ${row.version} as the request says.`,
    );
  }
  if (row.version === null) {
    // Odoo's client does not say the version: the dump does.
    const problem = baseSeries ? upgradePathProblem(baseSeries, row.target) : `The dump's base module has no version (${base.latest_version ?? 'none'}).`;
    if (problem) throw new UpgradeRefused(problem);
    await setRequestVersion(ctx.db, row.id, baseSeries!);
    row = { ...row, version: baseSeries! };
    await files.appendLog(`The dump is a database of version ${baseSeries}`);
  }
  const blocked = modules.find((m) => ctx.options.noUpgradePath.has(m.name));
  if (blocked) throw new UpgradeRefused(`Module ${blocked.name} has no upgrade path to ${row.target}`);

  for (const [from, to] of schemaSteps(parseSeries(row.version!)!, parseSeries(row.target)!)) {
    const ran = await applySchemaStep(client, from, to);
    await files.appendLog(`Schema ${from} → ${to}: ${ran.join(', ')}`);
  }

  const perModule = modules.length ? paceMs / modules.length : 0;
  for (const m of modules) {
    const version = moveModuleVersion(m.latest_version, row.target);
    await setModuleVersion(client, m.name, version);
    await files.appendLog(`Module ${m.name}: migrated ${m.latest_version ?? '(no version)'} → ${version}`);
    if (perModule > 0) await sleep(perModule, undefined, { signal: ctx.signal });
  }

  // What an upgraded database records about its upgrade (read by support and by the next upgrade).
  await setConfigParameter(client, 'database.upgrade.from_version', row.version!);
  await setConfigParameter(client, 'database.upgrade.to_version', row.target);
  await setConfigParameter(client, 'database.upgrade.request', String(row.id));

  const assets = await regenerateAssets(client, {
    target: row.target,
    modules: modules.map((m) => m.name),
    filestoreDir,
    now: new Date(),
  });
  await files.appendLog(`Assets: ${assets.removed} old bundles removed, ${assets.written.length} regenerated`);
}

/** pg_dump (directory format, 2 jobs) of the upgraded database, as its owner role, not as the superuser. */
async function dumpAsLoader(cluster: LoadCluster, login: LoaderLogin, outDir: string): Promise<void> {
  await runPgToolAsLoader(cluster.address, login, 'pg_dump', [
    '--format=directory',
    '--jobs=2',
    '--no-owner',
    '--file',
    outDir,
    login.database,
  ]);
}
