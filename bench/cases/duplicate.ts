import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { App } from '../../src/app.js';
import { dropDatabase } from '../../src/hosting/cluster-databases.js';
import { quoteDatabaseName } from '../../src/hosting/database-name.js';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { findJob } from '../../src/metabase/repositories/jobs.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { executeOperation } from '../../src/operations/execute.js';
import { defineBenchCase, type BenchRow } from '../context.js';
import { generatedTenant, sizeLabel } from '../generated-tenant.js';
import { timed } from '../measure.js';

const exec = promisify(execFile);
const MB = 1024 * 1024;

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

/** The duplicate operation end to end: queued job, copy, filestore, neutralization, activation. */
async function duplicateOnce(app: App, server: HostingServerRow, source: string, method: 'auto' | 'dump') {
  const agent = (await findAgentByLogin(app.metabase, 'system'))!;
  const configured = app.config.duplicateTemplateMaxBytes;
  app.config.duplicateTemplateMaxBytes = method === 'dump' ? 0 : Math.max(configured, 64 * 1024 * MB);
  try {
    await exec('sync');
    const stopProbe = probe(app.tenants.tenantConfig(server, source));
    const started = performance.now();
    const out = (await executeOperation(app, {
      agent,
      database: source,
      operation: 'duplicate',
      input: {},
      requestId: 'bench',
    })) as { job: { id: number }; name: string };
    let job = await findJob(app.metabase, out.job.id);
    while (job && job.state !== 'completed' && job.state !== 'failed') {
      await new Promise((r) => setTimeout(r, 20));
      job = await findJob(app.metabase, out.job.id);
    }
    const total = performance.now() - started;
    const downtime = await stopProbe();
    if (job?.state !== 'completed') throw new Error(`duplicate failed: ${job?.error}`);
    return { name: out.name, total, downtime, result: job.result as Record<string, number | string> };
  } finally {
    app.config.duplicateTemplateMaxBytes = configured;
  }
}

export default defineBenchCase({
  name: 'duplicate',
  description: `duplicate job of a generated ${sizeLabel()} vs raw CREATE DATABASE … STRATEGY FILE_COPY + cp -al; the source's unavailable time`,
  async run(ctx) {
    const { app, server } = ctx;
    const source = await generatedTenant(ctx);
    const name = source.database.name;
    await ctx.startWorker();

    // Raw baselines: PostgreSQL's own copies of the database, and of its filestore a plain copy
    // and a hard-linked one. The best raw method is FILE_COPY + cp -al (what a duplicate can do).
    const raw = (strategy: 'WAL_LOG' | 'FILE_COPY', cpFlags: '-a' | '-al') =>
      app.tenants.withCluster(server.id, async (admin) => {
        // Each copy starts with no dirty pages left to write back by what ran before it.
        await exec('sync');
        const copy = `bench-raw-${strategy.toLowerCase().replace('_', '-')}`;
        const [, db] = await timed(() =>
          admin.query(
            `CREATE DATABASE ${quoteDatabaseName(copy)} TEMPLATE ${quoteDatabaseName(name)} STRATEGY ${strategy}`,
          ),
        );
        const [, fs] = await timed(() =>
          exec('cp', [cpFlags, source.filestore, path.join(server.filestore_root, copy)]),
        );
        await dropDatabase(admin, copy);
        await rm(path.join(server.filestore_root, copy), { recursive: true, force: true });
        return { db, fs, total: db + fs };
      });
    const walLog = await raw('WAL_LOG', '-a');
    const best = await raw('FILE_COPY', '-al');
    // The probe's own longest gap with nothing happening: on a loaded machine a new session takes time too.
    const stopIdleProbe = probe(app.tenants.tenantConfig(server, name));
    await new Promise((r) => setTimeout(r, 3000));
    const idleGap = await stopIdleProbe();
    const ours = await duplicateOnce(app, server, name, 'auto');
    const online = await duplicateOnce(app, server, name, 'dump');

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const base = { subject: 'CREATE DATABASE … STRATEGY FILE_COPY + cp -al', value: { ms: best.total } };
    const fileCopy = { subject: 'CREATE DATABASE … STRATEGY FILE_COPY', value: { ms: best.db } };
    const rows: BenchRow[] = [
      {
        subject: `duplicate job (${ours.result.method}), end to end`,
        value: { ms: ours.total },
        note: `copy step ${s(Number(ours.result.copyMs))}, filestore ${ours.result.filestore}; raw: FILE_COPY ${s(best.db)} + cp -al ${s(best.fs)}; goal ≤ 1.5`,
        baseline: base,
      },
      {
        subject: '  source unavailable (job)',
        value: { ms: Number(ours.result.sourceUnavailableMs) },
        note: 'closed to new sessions until the copy is made; goal ≤ 1.2',
        baseline: fileCopy,
      },
      {
        subject: '  source unavailable (probe)',
        value: { ms: ours.downtime },
        note: 'longest gap between new sessions, every 5 ms; goal ≤ 1.2',
        baseline: fileCopy,
      },
      {
        subject: 'duplicate job (dump, online), end to end',
        value: { ms: online.total },
        note: `copy ${s(Number(online.result.copyMs))}; the source stays open`,
        baseline: base,
      },
      {
        subject: '  source unavailable (probe)',
        value: { ms: online.downtime },
        note: 'longest gap between new sessions, every 5 ms',
      },
      {
        subject: '  probe at rest (no copy running)',
        value: { ms: idleGap },
        note: "longest gap over 3 s: the probe's own floor on this machine",
      },
      {
        subject: 'for reference: TEMPLATE STRATEGY WAL_LOG (the default) + cp -a',
        value: { ms: walLog.total },
        note: `WAL_LOG ${s(walLog.db)} + cp -a ${s(walLog.fs)}`,
        baseline: base,
      },
    ];
    return rows;
  },
});
