/**
 * Benchmark: our duplicate job against the raw baseline, in one run, on a generated 1 GB
 * database with a 1 GB filestore.
 *
 *   npx tsx bench/duplicate.ts [--size-mb 1024] [--files-mb 1024] [--keep]
 *
 * Raw baseline: CREATE DATABASE … TEMPLATE + `cp -a` of the filestore. Ours: the duplicate
 * operation end to end (queued job: copy, hard-linked filestore, neutralization, activation).
 * A probe opens a new session on the source every few milliseconds: its longest gap is the
 * time the customer's database was unavailable.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import type { App } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { databaseSize, dropDatabase } from '../src/hosting/database-copy.js';
import { quoteDatabaseName } from '../src/hosting/database-name.js';
import { findAgentByLogin } from '../src/metabase/repositories/agents.js';
import { findJob } from '../src/metabase/repositories/jobs.js';
import { insertDatabases } from '../src/metabase/repositories/databases.js';
import type { HostingServerRow } from '../src/metabase/schema.js';
import { executeOperation } from '../src/operations/execute.js';
import { startPlatform } from '../src/platform.js';
import { attachmentChecksum, storeFnameFor } from '../src/tenant/filestore.js';
import { DEFAULT_TENANT_TEMPLATE, ensureTenantTemplate } from '../src/tenant/template.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SIZE_MB = opt('--size-mb', 1024);
const FILES_MB = opt('--files-mb', 1024);
const SOURCE = 'bench-source';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

/** Opens a new session on the source again and again; the longest gap between two successes is the downtime. */
function probe(config: pg.ClientConfig) {
  let stop = false;
  let last = performance.now();
  let longest = 0;
  const loop = (async () => {
    while (!stop) {
      const c = new pg.Client({ ...config, connectionTimeoutMillis: 60_000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.query('SELECT 1');
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      } catch {
        // terminated or refused: the gap grows until the next success
      } finally {
        await c.end().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return async () => {
    stop = true;
    await loop;
    return longest;
  };
}

async function generateDatabase(admin: pg.Client, server: HostingServerRow): Promise<void> {
  await admin.query(`CREATE DATABASE ${quoteDatabaseName(SOURCE)} TEMPLATE ${quoteDatabaseName(DEFAULT_TENANT_TEMPLATE)}`);
  const db = new pg.Client({ host: server.host, port: server.port, user: server.superuser, password: server.password ?? undefined, database: SOURCE });
  await db.connect();
  // ~290 bytes a row of md5 text (incompressible enough, below the TOAST threshold).
  await db.query(`CREATE TABLE bench_payload (id bigint PRIMARY KEY, body text NOT NULL)`);
  const rows = Math.round((SIZE_MB * MB) / 330);
  const batch = 500_000;
  for (let start = 1; start <= rows; start += batch) {
    await db.query(
      `INSERT INTO bench_payload SELECT g, md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text) || md5((g + 3)::text)
         || md5((g + 4)::text) || md5((g + 5)::text) || md5((g + 6)::text) || md5((g + 7)::text)
         FROM generate_series($1::bigint, $2::bigint) AS g`,
      [start, Math.min(rows, start + batch - 1)],
    );
  }
  await db.query('VACUUM ANALYZE bench_payload');
  await db.end();
}

async function generateFilestore(root: string): Promise<number> {
  let total = 0;
  let n = 0;
  while (total < FILES_MB * MB) {
    const size = 100 * 1024 + Math.floor(Math.random() * 924 * 1024);
    const content = randomBytes(size);
    const file = path.join(root, SOURCE, storeFnameFor(attachmentChecksum(content)));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    total += size;
    n++;
  }
  return n;
}

async function duplicateOnce(app: App, server: HostingServerRow, method: 'auto' | 'dump') {
  const agent = (await findAgentByLogin(app.metabase, 'system'))!;
  app.config.duplicateTemplateMaxBytes = method === 'dump' ? 0 : 2048 * MB;
  const stopProbe = probe(app.tenants.connectionConfig(server, SOURCE));
  const started = performance.now();
  const out = (await executeOperation(app, { agent, database: SOURCE, operation: 'duplicate', input: {}, requestId: 'bench' })) as {
    job: { id: number };
    name: string;
  };
  let job = await findJob(app.metabase, out.job.id);
  while (job && job.state !== 'completed' && job.state !== 'failed') {
    await new Promise((r) => setTimeout(r, 20));
    job = await findJob(app.metabase, out.job.id);
  }
  const total = performance.now() - started;
  const downtime = await stopProbe();
  if (job?.state !== 'completed') throw new Error(`duplicate failed: ${job?.error}`);
  return { name: out.name, total, downtime, result: job.result as Record<string, number | string> };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dbtools-bench-'));
  await chmod(dataDir, 0o755);
  const config = loadConfig({ ...process.env, DBTOOLS_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const platform = await startPlatform(config, { log: pino({ level: 'warn' }) });
  const { app } = platform;
  const server = platform.embeddedServer!;
  const admin = new pg.Client(app.tenants.connectionConfig(server, 'postgres'));
  await admin.connect();
  try {
    await ensureTenantTemplate(admin, DEFAULT_TENANT_TEMPLATE);
    const [, genDb] = await timed(() => generateDatabase(admin, server));
    const [files, genFs] = await timed(() => generateFilestore(server.filestore_root));
    const size = await databaseSize(admin, SOURCE);
    await insertDatabases(app.metabase, [
      {
        name: SOURCE,
        uuid: randomUUID(),
        mode: 'trial',
        extra_apps: true,
        status: 'open',
        version: '17.0',
        server_id: server.id,
        secure: false,
        email_daily_count: 0,
        email_daily_limit: 200,
        ext_email_daily_count: 0,
        duplicate_limit: 100,
        expire_date: null,
      },
    ]);
    await admin.query('CHECKPOINT');
    console.log(`source: ${(size / MB).toFixed(0)} MB database (generated in ${seconds(genDb)}), ${files} files / ${FILES_MB} MB filestore (${seconds(genFs)})`);
    await platform.startWorker();

    const src = path.join(server.filestore_root, SOURCE);
    const raw = async (strategy: string) => {
      const name = `bench-raw-${strategy.toLowerCase()}`;
      const [, db] = await timed(() =>
        admin.query(`CREATE DATABASE ${quoteDatabaseName(name)} TEMPLATE ${quoteDatabaseName(SOURCE)} STRATEGY ${strategy}`),
      );
      const [, fs] = await timed(() => run('cp', ['-a', src, path.join(server.filestore_root, name)]));
      await dropDatabase(admin, name);
      await rm(path.join(server.filestore_root, name), { recursive: true, force: true });
      return { db, fs, total: db + fs };
    };
    const baseline = await raw('WAL_LOG');
    console.log(`raw baseline   CREATE DATABASE … TEMPLATE ${seconds(baseline.db)} + cp -a ${seconds(baseline.fs)} = ${seconds(baseline.total)}`);
    const fileCopy = await raw('FILE_COPY');
    console.log(`  (for reference: STRATEGY FILE_COPY ${seconds(fileCopy.db)})`);

    const ours = await duplicateOnce(app, server, 'auto');
    console.log(
      `ours (${ours.result.method})  ${seconds(ours.total)} end to end (copy ${seconds(Number(ours.result.copyMs))}, filestore ${ours.result.filestore}); ` +
        `source unavailable ${seconds(Number(ours.result.sourceUnavailableMs))} (job) / ${seconds(ours.downtime)} (probe: longest gap between sessions)`,
    );
    const online = await duplicateOnce(app, server, 'dump');
    console.log(
      `ours (dump)    ${seconds(online.total)} end to end (copy ${seconds(Number(online.result.copyMs))}); ` +
        `source unavailable: longest probe gap ${seconds(online.downtime)}`,
    );
    console.log(`ratio ours/raw = ${(ours.total / baseline.total).toFixed(2)} (goal ≤ 0.7); online dump/restore ratio ${(online.total / baseline.total).toFixed(2)}`);
  } finally {
    await admin.end();
    await platform.close();
    if (!args.includes('--keep')) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
