import { chown, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { clusterOwner } from '../hosting/cluster.js';
import { runPgToolAsLoader, type LoaderLogin } from '../hosting/backup-pg.js';
import { dropDatabaseIfExists, dropRoleIfExists } from '../hosting/restore-cluster.js';
import { asLoaderOn, createLoadTargetOn, loadArchive, type LoadCluster } from '../provisioning/customer-sql.js';
import { scratchName } from '../provisioning/scratch.js';
import { setConfigParameter } from '../tenant/config-parameters.js';
import { installedModules, setModuleVersion } from '../tenant/modules.js';
import { regenerateAssets } from './assets.js';
import type { RequestFiles } from './files.js';
import type { UpgradePlatformOptions } from './options.js';
import { applySchemaStep } from './schema-steps.js';
import type { RequestRow } from './store.js';
import { checkDumpTar, createTar, extractDumpTar } from './tar.js';
import { moveModuleVersion, parseSeries, schemaSteps, splitModuleVersion } from './versions.js';

/** The scratch database a request is upgraded in, and the role that owns it (reserved namespace). */
export function upgradeScratch(id: number): { database: string; role: string } {
  return { database: scratchName('upgrade', id), role: scratchName('upgrader', id) };
}

/** Drops a request's scratch database, then its role. Idempotent; a restart calls it for every interrupted request. */
export async function discardScratch(cluster: LoadCluster, id: number): Promise<void> {
  const { database, role } = upgradeScratch(id);
  await cluster.withAdmin(async (admin) => {
    await dropDatabaseIfExists(admin, database);
    await dropRoleIfExists(admin, role);
  });
}

/** What refuses an upgrade (the request ends `failed` with this reason), as opposed to a fault. */
export class UpgradeRefused extends Error {}

export interface UpgradeContext {
  options: UpgradePlatformOptions;
  cluster: LoadCluster;
  signal: AbortSignal;
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
  const dumpDir = path.join(files.work, 'dump');
  const outParent = path.join(files.work, 'out');
  const filestoreDir = path.join(files.work, 'filestore');
  // The cluster's OS user extracts the upload and writes the result dump; it owns those folders.
  for (const dir of [dumpDir, outParent, filestoreDir]) {
    await mkdir(dir, { recursive: true });
    if (owner && dir !== filestoreDir) await chown(dir, owner.uid, owner.gid);
  }
  if (owner) await chown(files.work, owner.uid, owner.gid);

  await files.appendLog(`Upgrade of database ${row.dbuuid} from ${row.version} to ${row.target} (${row.aim}), attempt ${row.attempts}`);
  const listing = await checkDumpTar(files.upload, options.maxUploadBytes).catch(refuse);
  await extractDumpTar(files.upload, dumpDir).catch(refuse);
  const megabytes = listing.bytes / 1048576;
  await files.appendLog(`Restoring the dump: ${listing.members} files, ${megabytes.toFixed(1)} MB`);
  const login = await createLoadTargetOn(cluster, database, role, { odooExtensions: true });
  await loadArchive(cluster.address, login, dumpDir).catch((e: Error) => refuse(new Error(`The dump could not be restored: ${e.message}`)));
  await rm(dumpDir, { recursive: true, force: true });

  await asLoaderOn(cluster, login, (client) =>
    migrate(client, { ctx, row, files, filestoreDir, paceMs: megabytes * options.msPerMb }),
  );

  await files.appendLog('Dumping the upgraded database');
  const outDir = path.join(outParent, 'dump');
  await dumpAsLoader(cluster, login, outDir);
  await mkdir(files.result, { recursive: true });
  await tarInPlace(outDir, files.resultTar('dump'));
  await tarInPlace(filestoreDir, files.resultTar('filestore'));
  await discardScratch(cluster, row.id);
  await files.clearWork();
  await files.appendLog(`Upgrade done: the database is on ${row.target}`);
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
  if (baseSeries !== row.version) {
    throw new UpgradeRefused(
      `The dump is a database of version ${baseSeries ?? base.latest_version ?? 'unknown'}, not of ${row.version} as the request says.`,
    );
  }
  const blocked = modules.find((m) => ctx.options.noUpgradePath.has(m.name));
  if (blocked) throw new UpgradeRefused(`Module ${blocked.name} has no upgrade path to ${row.target}`);

  for (const [from, to] of schemaSteps(parseSeries(row.version)!, parseSeries(row.target)!)) {
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
  await setConfigParameter(client, 'database.upgrade.from_version', row.version);
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

/** A tar of a folder's files (relative paths, root-level for a dump), written under a temporary name first. */
async function tarInPlace(dir: string, out: string): Promise<void> {
  const entries = await listFiles(dir);
  await createTar(dir, entries, `${out}.partial`);
  await rename(`${out}.partial`, out);
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

