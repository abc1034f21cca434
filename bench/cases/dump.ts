import { execFile } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildOdooZip } from '../../src/dumps/build-zip.js';
import { dumpDownloadPath } from '../../src/dumps/link.js';
import { pgBinary, runPgTool, serverEnv } from '../../src/hosting/backup-pg.js';
import { childEnv } from '../../src/hosting/child-process.js';
import { takeBackup } from '../../src/hosting/backup-take.js';
import { backupDumpFile } from '../../src/hosting/restore-backup.js';
import { loadBackupIntoScratch } from '../../src/provisioning/customer-sql.js';
import { scratchName } from '../../src/provisioning/scratch.js';
import { createDatabase, dropDatabase } from '../../src/hosting/cluster-databases.js';
import { insertDump } from '../../src/metabase/repositories/dumps.js';
import { defineBenchCase, type BenchRow } from '../context.js';
import { generatedTenant, sizeLabel } from '../generated-tenant.js';
import { rssSampler, timed } from '../measure.js';

const exec = promisify(execFile);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
/** Added RSS the dump and its download may cost, whatever the database's size (flat: compare two sizes). */
const ADDED_RSS_GOAL = 200 * 1024 * 1024;
const memoryGoal = (added: number) =>
  `goal < +${mb(ADDED_RSS_GOAL)}: ${added < ADDED_RSS_GOAL ? 'met ✓' : 'not met ✗'}`;
/** Where the memory was at the peak: V8's heap and ArrayBuffers (Buffers); the rest of RSS is native. */
const breakdown = (u: NodeJS.MemoryUsage) =>
  `at the peak heap ${mb(u.heapUsed)}/${mb(u.heapTotal)}, ArrayBuffers ${mb(u.arrayBuffers)}, native rest ${mb(u.rss - u.heapTotal - u.arrayBuffers)}`;

export default defineBenchCase({
  name: 'dump',
  description: `Odoo-format dump of a generated ${sizeLabel()} vs pg_dump + zip -r (TTFB, peak RSS); restore vs raw pg_restore`,
  async run(ctx) {
    const { app, server } = ctx;
    const source = await generatedTenant(ctx);
    const db = source.database;
    const dir = path.join(ctx.dataDir, 'bench-dump');
    await mkdir(dir, { recursive: true });

    // Baseline: what Odoo's own dump_db amounts to, pg_dump to a file then zip -r of it and the filestore.
    const naiveDir = path.join(dir, 'naive');
    await mkdir(naiveDir);
    // Each side starts with no dirty pages left to flush by what ran before it (generation, the other side).
    await exec('sync');
    const [, naiveMs] = await timed(async () => {
      await exec(
        await pgBinary('pg_dump'),
        ['--no-owner', '--file', path.join(naiveDir, 'dump.sql'), db.name],
        {
          env: childEnv(serverEnv(server)),
          maxBuffer: 1 << 20,
        },
      );
      await exec('cp', ['-al', source.filestore, path.join(naiveDir, 'filestore')]);
      await exec('zip', ['-q', '-r', path.join(dir, 'naive.zip'), 'dump.sql', 'filestore'], {
        cwd: naiveDir,
      });
    });
    const naiveSize = (await stat(path.join(dir, 'naive.zip'))).size;
    await rm(naiveDir, { recursive: true });
    await rm(path.join(dir, 'naive.zip'));

    // The whole bench process (HTTP server and job code together) is what the sampler sees.
    await exec('sync');
    const restingRss = process.memoryUsage().rss;
    const sampler = rssSampler();
    const zip = path.join(dir, 'ours.zip');
    const [size, oursMs] = await timed(() => buildOdooZip(app, db, zip));
    const dumpPeak = sampler.peak();
    const dumpAtPeak = sampler.atPeak();

    const expires = new Date(Date.now() + 3_600_000);
    const row = await insertDump(app.metabase, {
      database_name: db.name,
      email: 'bench@example.com',
      state: 'ready',
      path: zip,
      size,
      expires_at: expires,
      ready_at: new Date(),
    });
    const downloadStartRss = process.memoryUsage().rss;
    sampler.reset();
    const started = performance.now();
    const res = await fetch(`${ctx.baseUrl}${dumpDownloadPath(app, row.id, expires)}`);
    if (!res.ok || !res.body) throw new Error(`dump download: ${res.status}`);
    const reader = res.body.getReader();
    let firstByte = 0;
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!firstByte) firstByte = performance.now() - started;
      received += value.length;
    }
    const downloadMs = performance.now() - started;
    const downloadPeak = sampler.stop();
    const downloadAtPeak = sampler.atPeak();
    if (received !== size) throw new Error(`dump download: ${received} bytes of ${size}`);
    await rm(zip);

    // Restore: ours (the restore job's scratch restore) against a plain pg_restore of the same backup.
    const backup = await takeBackup(app, db, { kind: 'manual', jobId: null, agentId: null });
    const [, oursRestore] = await timed(() =>
      loadBackupIntoScratch(app, server, backupDumpFile(backup), scratchName('restore', 0), 0, db.name),
    );
    await app.tenants.withCluster(server.id, (a) => createDatabase(a, 'bench-raw.tmp'));
    const [, rawRestore] = await timed(() =>
      runPgTool(server, 'pg_restore', ['--no-owner', '--dbname', 'bench-raw.tmp', backupDumpFile(backup)]),
    );
    await app.tenants.withCluster(server.id, async (a) => {
      await dropDatabase(a, scratchName('restore', 0));
      await dropDatabase(a, 'bench-raw.tmp');
    });

    const rows: BenchRow[] = [
      {
        subject: 'Odoo-format dump (buildOdooZip)',
        value: { ms: oursMs },
        note: `zip ${mb(size)} (naive ${mb(naiveSize)}); goal ≤ 0.4`,
        baseline: { subject: 'pg_dump + zip -r', value: { ms: naiveMs } },
      },
      {
        subject: '  download: time to first byte',
        value: { ms: firstByte },
        note: `${mb(received)} in ${(downloadMs / 1000).toFixed(1)} s over HTTP`,
      },
      {
        subject: '  RSS at rest before the dump',
        value: { bytes: restingRss },
        note: 'the whole bench process',
      },
      {
        subject: '  RSS added during the dump (peak - at rest)',
        value: { bytes: dumpPeak - restingRss },
        note: `peak ${mb(dumpPeak)}; ${breakdown(dumpAtPeak)}; ${memoryGoal(dumpPeak - restingRss)}`,
      },
      {
        subject: '  RSS added by the download (peak - when it started)',
        value: { bytes: downloadPeak - downloadStartRss },
        note: `peak ${mb(downloadPeak)}, ${mb(downloadStartRss)} when it started (what the dump left: +${mb(downloadStartRss - restingRss)} over the rest); ${breakdown(downloadAtPeak)}; ${memoryGoal(downloadPeak - downloadStartRss)}`,
      },
      {
        subject: 'restore of a backup (loadBackupIntoScratch, as the loader role)',
        value: { ms: oursRestore },
        note: 'pg_restore --jobs',
        baseline: { subject: 'raw pg_restore', value: { ms: rawRestore } },
      },
    ];
    return rows;
  },
});
