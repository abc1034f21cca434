/**
 * Dump benchmark (`npx tsx bench/dump.ts`): a generated 1 GB database with a 1 GB filestore
 * of incompressible files. Our Odoo-format dump against `pg_dump` + `zip -r`, time to first
 * byte of the download, peak RSS during dump and download, our restore against raw pg_restore.
 * BENCH_DB_MB / BENCH_FILES_MB scale it down for a quick run.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { createServer } from '../src/api/server.js';
import { loadConfig } from '../src/config/config.js';
import { demoDatabases } from '../src/demo/catalog.js';
import { seedTenantDatabase } from '../src/demo/seed-tenant.js';
import { buildOdooZip } from '../src/dumps/build-zip.js';
import { dumpDownloadPath } from '../src/dumps/link.js';
import { runPgTool, serverEnv, pgBinary } from '../src/hosting/backup-pg.js';
import { takeBackup } from '../src/hosting/backup-take.js';
import { backupDumpFile, restoreIntoScratch } from '../src/hosting/restore-backup.js';
import { createEmptyDatabase, dropDatabaseIfExists } from '../src/hosting/restore-cluster.js';
import { findDatabase, insertDatabases } from '../src/metabase/repositories/databases.js';
import { insertDump } from '../src/metabase/repositories/dumps.js';
import { startPlatform } from '../src/platform.js';
import { attachmentChecksum, storeFnameFor } from '../src/tenant/filestore.js';
import { ensureTenantTemplate } from '../src/tenant/template.js';

const run = promisify(execFile);
const DB_MB = Number(process.env.BENCH_DB_MB ?? 1024);
const FILES_MB = Number(process.env.BENCH_FILES_MB ?? 1024);

function rssSampler() {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return {
    reset: () => (peak = process.memoryUsage().rss),
    stop: () => {
      clearInterval(t);
      return peak;
    },
    peak: () => peak,
  };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dbtools-bench-'));
  await chmod(dir, 0o755);
  const config = loadConfig({ DBTOOLS_DATA_DIR: dir, LOG_LEVEL: 'warn', PORT: '0' });
  const platform = await startPlatform(config, { durable: false, log: pino({ level: 'warn' }) });
  const { app } = platform;
  const server = platform.embeddedServer!;
  try {
    const base = demoDatabases(app.now()).find((d) => d.metabase.name === 'acme-bakery')!;
    const name = 'bench-db';
    const spec = { metabase: { ...base.metabase, name, uuid: randomUUID() }, tenant: base.tenant };
    await app.tenants.withCluster(server.id, async (admin) => {
      await ensureTenantTemplate(admin);
      await seedTenantDatabase(admin, spec, server.filestore_root);
    });
    await insertDatabases(app.metabase, [{ ...spec.metabase, server_id: server.id }]);
    const db = (await findDatabase(app.metabase, name))!;

    let t = performance.now();
    // ~1 KB rows of hex text: the shape of mail bodies and logs, which deflate well but not absurdly.
    const rows = Math.round((DB_MB * 1024 * 1024) / 1100);
    await app.tenants.withTenant(db, (c) =>
      c.query(`CREATE TABLE bench_message AS
        SELECT g AS id, now() - g * interval '1 minute' AS create_date,
               (SELECT string_agg(md5((g * 31 + k)::text), ' ') FROM generate_series(1, 30) k) AS body
          FROM generate_series(1, ${rows}) g`),
    );
    const fsRoot = path.join(server.filestore_root, name);
    const count = Math.max(1, Math.round(FILES_MB));
    for (let i = 0; i < count; i++) {
      const content = randomBytes(1024 * 1024);
      const file = path.join(fsRoot, storeFnameFor(attachmentChecksum(content)));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    const dbSize = await app.tenants.withCluster(server.id, async (a) =>
      Number((await a.query('SELECT pg_database_size($1) AS s', [name])).rows[0].s),
    );
    console.log(`generated: database ${mb(dbSize)}, filestore ${count} files ${mb(count * 1024 * 1024)} in ${s(performance.now() - t)}`);

    // Baseline: what Odoo's own dump_db amounts to, pg_dump to a file then zip -r.
    const naiveDir = path.join(dir, 'naive');
    await mkdir(naiveDir);
    t = performance.now();
    await run(await pgBinary('pg_dump'), ['--no-owner', '--file', path.join(naiveDir, 'dump.sql'), name], { env: serverEnv(server), maxBuffer: 1 << 20 });
    await run('cp', ['-al', fsRoot, path.join(naiveDir, 'filestore')]);
    await run('zip', ['-q', '-r', path.join(dir, 'naive.zip'), 'dump.sql', 'filestore'], { cwd: naiveDir });
    const naiveMs = performance.now() - t;
    const naiveSize = (await stat(path.join(dir, 'naive.zip'))).size;
    await rm(naiveDir, { recursive: true });

    const idleRss = process.memoryUsage().rss;
    console.log(`RSS at rest before the dump: ${mb(idleRss)}`);
    const sampler = rssSampler();
    const zip = path.join(dir, 'ours.zip');
    t = performance.now();
    const size = await buildOdooZip(app, db, zip);
    const oursMs = performance.now() - t;
    const dumpPeak = sampler.peak();
    console.log(`dump: ours ${s(oursMs)} (${mb(size)}), pg_dump + zip -r ${s(naiveMs)} (${mb(naiveSize)}); ratio ${(oursMs / naiveMs).toFixed(2)} (goal ≤ 0.4)`);

    const http = await createServer(app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    const address = http.server.address();
    const portNo = typeof address === 'object' && address ? address.port : 0;
    const expires = new Date(Date.now() + 3_600_000);
    const row = await insertDump(app.metabase, { database_name: name, email: 'bench@example.com', state: 'ready', path: zip, size, expires_at: expires, ready_at: new Date() });
    sampler.reset();
    t = performance.now();
    const res = await fetch(`http://127.0.0.1:${portNo}${dumpDownloadPath(app, row.id, expires)}`);
    const reader = res.body!.getReader();
    let first = 0;
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!first) first = performance.now() - t;
      received += value.length;
    }
    const downloadMs = performance.now() - t;
    const downloadPeak = sampler.stop();
    await http.close();
    console.log(`download: ${mb(received)} in ${s(downloadMs)}, time to first byte ${first.toFixed(1)} ms`);
    console.log(`peak RSS (this process: server and job together): dump ${mb(dumpPeak)}, download ${mb(downloadPeak)} (goal < 200 MB)`);

    const backup = await takeBackup(app, db, { kind: 'manual', jobId: null, agentId: null });
    t = performance.now();
    await restoreIntoScratch(app, server, backup, 'bench-ours.tmp');
    const oursRestore = performance.now() - t;
    await app.tenants.withCluster(server.id, (a) => createEmptyDatabase(a, 'bench-raw.tmp'));
    t = performance.now();
    await runPgTool(server, 'pg_restore', ['--no-owner', '--dbname', 'bench-raw.tmp', backupDumpFile(backup)]);
    const rawRestore = performance.now() - t;
    console.log(`restore: ours ${s(oursRestore)} (pg_restore --jobs=2), raw pg_restore ${s(rawRestore)}; ratio ${(oursRestore / rawRestore).toFixed(2)}`);
    await app.tenants.withCluster(server.id, async (a) => {
      await dropDatabaseIfExists(a, 'bench-ours.tmp');
      await dropDatabaseIfExists(a, 'bench-raw.tmp');
    });
  } finally {
    await platform.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
