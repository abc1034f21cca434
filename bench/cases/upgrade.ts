import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { runPgTool } from '../../src/hosting/backup-pg.js';
import { createDatabase, dropDatabase } from '../../src/hosting/cluster-databases.js';
import { enqueueJob } from '../../src/jobs/enqueue.js';
import { upgradeJob } from '../../src/upgrades/pipeline.js';
import { findJob } from '../../src/metabase/repositories/jobs.js';
import { findUpgradeRequest, insertUpgradeRequest, updateUpgradeRequest } from '../../src/metabase/repositories/upgrade-requests.js';
import type { DatabaseRow, JobRow, UpgradeMode } from '../../src/metabase/schema.js';
import { setConfigParameter } from '../../src/tenant/config-parameters.js';
import { UpgradePlatformClient } from '../../src/upgrades/client.js';
import { platformRequestOf } from '../../src/upgrades/platform-client.js';
import { upgradePlatformOptionsFromEnv } from '../../src/upgrade-platform/options.js';
import { startUpgradePlatform } from '../../src/upgrade-platform/start.js';
import { defineBenchCase, type BenchContext, type BenchRow } from '../context.js';
import { generatedTenant, sizeLabel } from '../generated-tenant.js';
import { timed } from '../measure.js';

const PARALLEL = 2;

/** One upgrade request of `mode`, queued and run by the platform's worker to its end. */
async function runUpgrade(ctx: BenchContext, db: DatabaseRow, mode: UpgradeMode): Promise<{ job: JobRow; platformMs: number }> {
  const { app } = ctx;
  const { job, request } = await app.metabase.transaction().execute(async (tx) => {
    const request = await insertUpgradeRequest(tx, {
      database_name: db.name,
      mode,
      source_version: db.version,
      target: '18.0',
      email: 'bench@example.com',
      requested_at: new Date(),
    });
    const { job } = await enqueueJob(tx, upgradeJob, { database: db.name, agentId: null, payload: { request: request.id } });
    await updateUpgradeRequest(tx, request.id, { job_id: Number(job.id) });
    return { job, request };
  });
  for (;;) {
    const row = (await findJob(app.metabase, Number(job.id)))!;
    if (row.state === 'completed' || row.state === 'failed') {
      if (row.state === 'failed') throw new Error(`bench upgrade (${mode}) failed: ${row.error}`);
      const done = (await findUpgradeRequest(app.metabase, request.id))!;
      const status = await new UpgradePlatformClient(app.config.upgradeUrl!, app.config.upgradeApiKey, app.config.upgradeCaFile).status(platformRequestOf(done)!);
      // The platform's own work: from the moment it took the request to the moment it was done.
      const platformMs = new Date(status.doneDate!).getTime() - new Date(status.processDate!).getTime();
      return { job: row, platformMs };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export default defineBenchCase({
  name: 'upgrade',
  description: `upgrade pipeline of a generated ${sizeLabel()} (minus the platform's own work) vs raw pg_dump -Fd -j + pg_restore -j; production downtime`,
  async run(ctx) {
    const { app, server } = ctx;
    const source = await generatedTenant(ctx);
    const db = source.database;
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'database.enterprise_code', 'Mbench0001'));

    const platformDir = path.join(ctx.dataDir, 'upgrade-platform');
    const apiKey = randomBytes(24).toString('base64url');
    const platform = await startUpgradePlatform({
      ...upgradePlatformOptionsFromEnv({ UPGRADE_PLATFORM_API_KEYS: apiKey }),
      dataDir: platformDir,
      port: 0,
      durable: false,
      msPerMb: 0,
      logLevel: 'error',
    });
    const oldUrl = app.config.upgradeUrl;
    const oldKey = app.config.upgradeApiKey;
    const oldCa = app.config.upgradeCaFile;
    const oldPoll = app.config.upgrades.pollMs;
    app.config.upgradeUrl = platform.url;
    app.config.upgradeApiKey = apiKey;
    app.config.upgradeCaFile = platform.caFile;
    app.config.upgrades.pollMs = 1000;
    const rows: BenchRow[] = [];
    try {
      await ctx.startWorker();
      // Baseline: the same database through the raw tools, same parallelism.
      const dir = path.join(ctx.dataDir, 'bench-upgrade-raw');
      await rm(dir, { recursive: true, force: true });
      await mkdir(path.dirname(dir), { recursive: true });
      const restored = 'bench-upgrade-raw';
      const [, rawMs] = await timed(async () => {
        await runPgTool(server, 'pg_dump', ['--format=directory', `--jobs=${PARALLEL}`, '--no-owner', '--file', dir, '--dbname', db.name]);
        await app.tenants.withCluster(server.id, (admin) => createDatabase(admin, restored));
        await runPgTool(server, 'pg_restore', ['--no-owner', `--jobs=${PARALLEL}`, '--dbname', restored, dir]);
      });
      await app.tenants.withCluster(server.id, (admin) => dropDatabase(admin, restored));
      await rm(dir, { recursive: true, force: true });

      const [copy, copyMs] = await timed(() => runUpgrade(ctx, db, 'copy'));
      const overheadMs = copyMs - copy.platformMs;
      const t = (copy.job.result as { timings: Record<string, number> }).timings;
      rows.push({
        subject: 'Copy upgrade, end to end minus the platform’s own work',
        value: { ms: overheadMs },
        note: `goal ≤ 1.3× (+ platform ${(copy.platformMs / 1000).toFixed(1)} s; dump ${t.dumpMs} ms, upload ${t.uploadMs} ms, download ${t.downloadMs} ms, restore ${t.restoreMs} ms; polling every 1 s)`,
        baseline: { subject: `pg_dump -Fd -j${PARALLEL} + pg_restore -j${PARALLEL}`, value: { ms: rawMs } },
      });
      rows.push({ subject: 'Copy upgrade, end to end (platform included)', value: { ms: copyMs } });

      const [prod] = await timed(() => runUpgrade(ctx, db, 'production'));
      const p = (prod.job.result as { timings: Record<string, number> }).timings;
      rows.push({
        subject: 'Production upgrade: downtime (maintenance lock held, dump to unlock)',
        value: { ms: p.downtimeMs },
        note: `of which the swap (rename dance) ${p.swapMs} ms; platform ${(prod.platformMs / 1000).toFixed(1)} s`,
      });
    } finally {
      app.config.upgradeUrl = oldUrl;
      app.config.upgradeApiKey = oldKey;
      app.config.upgradeCaFile = oldCa;
      app.config.upgrades.pollMs = oldPoll;
      await platform.close();
    }
    return rows;
  },
});
