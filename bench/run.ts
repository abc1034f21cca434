import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createServer } from '../src/api/server.js';
import { loadConfig } from '../src/config/config.js';
import { seedDemoPlatform } from '../src/demo/seed-demo.js';
import { METABASE_NAME, startPlatform } from '../src/platform.js';
import duplicate from './cases/duplicate.js';
import dump from './cases/dump.js';
import fuzz from './cases/fuzz.js';
import load from './cases/load.js';
import logs from './cases/logs.js';
import move from './cases/move.js';
import ping from './cases/ping.js';
import relay from './cases/relay.js';
import search from './cases/search.js';
import soak from './cases/soak.js';
import toolsPage from './cases/tools-page.js';
import upgrade from './cases/upgrade.js';
import {
  isSingle,
  type BenchCase,
  type BenchContext,
  type BenchRow,
  type Quantity,
  type SingleRow,
  type TimingRow,
} from './context.js';

/**
 * The benchmarks: adding one is adding its file under cases/ and one line here. Load, soak, ping
 * and fuzz run before search, whose million generated metabase rows have no tenant database behind them.
 */
// Among the cases on the generated tenant: the upgrade after the duplicate and the dump (its
// Production run takes that tenant to 18.0), the move last (it takes the tenant to a server of its
// own, which it stops at the end).
const cases: BenchCase[] = [toolsPage, load, soak, ping, relay, duplicate, dump, upgrade, move, fuzz, search, logs];

type Named<T> = T & { case: string };

function render(lines: string[][], numeric: Set<number>): string {
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) =>
    l
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(fmt)].join('\n');
}

/** p50/p99 of n calls against the baseline's. */
function timingTable(rows: Named<TimingRow>[]): string {
  const ms = (v: number) => v.toFixed(2);
  const lines = [
    ['case', 'subject', 'n', 'p50 ms', 'p99 ms', 'baseline', 'base p50', 'base p99', 'p50 ×', 'p99 ×'],
  ];
  for (const r of rows) {
    const b = r.baseline;
    lines.push([
      r.case,
      r.subject,
      String(r.n),
      ms(r.p50),
      ms(r.p99),
      b?.subject ?? '',
      b ? ms(b.p50) : '',
      b ? ms(b.p99) : '',
      b ? (r.p50 / b.p50).toFixed(1) : '',
      b ? (r.p99 / b.p99).toFixed(1) : '',
    ]);
  }
  return render(lines, new Set([2, 3, 4, 6, 7, 8, 9]));
}

function formatQuantity(q: Quantity): string {
  if ('ms' in q) return q.ms < 1000 ? `${q.ms.toFixed(1)} ms` : `${(q.ms / 1000).toFixed(2)} s`;
  if ('bytes' in q) return `${(q.bytes / 1024 / 1024).toFixed(0)} MB`;
  return `${q.rate.toFixed(1)} ${q.per}`;
}

function magnitude(q: Quantity): number {
  return 'ms' in q ? q.ms : 'bytes' in q ? q.bytes : q.rate;
}

/** Single measurements; the ratio is ours / baseline (for a rate, higher is faster). */
function singleTable(rows: Named<SingleRow>[]): string {
  const lines = [['case', 'subject', 'value', 'note', 'baseline', 'base value', 'ratio']];
  for (const r of rows) {
    const b = r.baseline;
    lines.push([
      r.case,
      r.subject,
      formatQuantity(r.value),
      r.note ?? '',
      b?.subject ?? '',
      b ? formatQuantity(b.value) : '',
      b ? `${(magnitude(r.value) / magnitude(b.value)).toFixed(2)}×` : '',
    ]);
  }
  return render(lines, new Set([2, 5, 6]));
}

function tables(rows: Named<BenchRow>[]): string {
  const timing = rows.filter((r): r is Named<TimingRow> => !isSingle(r));
  const single = rows.filter((r): r is Named<SingleRow> => isSingle(r));
  const out: string[] = [];
  if (timing.length) out.push('Latency (p50/p99 of n calls; × = ours / baseline)\n\n' + timingTable(timing));
  if (single.length) out.push('Single measurements (ratio = ours / baseline)\n\n' + singleTable(single));
  return out.join('\n\n');
}

/** `npm run bench [-- filter[,filter…]]`: starts its own platform in a temp folder, runs the cases, prints one table. */
async function main(): Promise<void> {
  // `npm run bench -- duplicate,dump`: the cases whose name contains one of the words.
  const filter = process.argv[2];
  const words = filter ? filter.split(',').filter(Boolean) : [];
  const selected = cases.filter((c) => !words.length || words.some((w) => c.name.includes(w)));
  if (!selected.length)
    throw new Error(`no benchmark matches "${filter}"; there are: ${cases.map((c) => c.name).join(', ')}`);

  const dataDir = await mkdtemp(path.join(tmpdir(), 'dbtools-bench-'));
  // mkdtemp makes it private; the cluster runs as the postgres user, who must traverse it.
  await chmod(dataDir, 0o755);
  const demoPassword = 'bench-password';
  const config = loadConfig({
    ...process.env,
    DBTOOLS_DATA_DIR: dataDir,
    DBTOOLS_DEMO_PASSWORD: demoPassword,
    DBTOOLS_CONFIG: '',
    LOG_LEVEL: 'warn',
  });
  // Production settings: PostgreSQL's durability defaults (fsync, full_page_writes,
  // synchronous_commit on), as no platform runs without them. Every raw baseline runs on this
  // same cluster, so ratios compare like with like.
  const platform = await startPlatform(config, { durable: true, log: pino({ level: 'warn' }) });
  const http = await createServer(platform.app);
  // Interrupted, the bench still stops its cluster and removes its folder.
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    void http
      .close()
      .finally(() =>
        platform
          .close()
          .finally(() => rm(dataDir, { recursive: true, force: true }).finally(() => process.exit(130))),
      );
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await seedDemoPlatform(platform.app, platform.embeddedServers);
    await http.listen({ host: '127.0.0.1', port: 0 });
    const address = http.server.address();
    if (!address || typeof address === 'string') throw new Error('the bench server has no TCP address');
    const { cluster } = platform;
    let worker: Promise<unknown> | undefined;
    const ctx: BenchContext = {
      app: platform.app,
      server: platform.embeddedServers[0],
      baseUrl: `http://127.0.0.1:${address.port}`,
      demoPassword,
      dataDir,
      // The same settings startPlatform gives its worker pool.
      metabaseConnection: config.metabaseUrl
        ? { connectionString: config.metabaseUrl }
        : {
            host: cluster!.socketDir,
            port: cluster!.port,
            user: cluster!.superuser,
            database: METABASE_NAME,
          },
      async startWorker() {
        worker ??= platform.startWorker();
        await worker;
      },
    };

    const rows: Named<BenchRow>[] = [];
    for (const c of selected) {
      process.stderr.write(`${c.name}: ${c.description}\n`);
      const started = performance.now();
      for (const row of await c.run(ctx)) rows.push({ ...row, case: c.name });
      process.stderr.write(`  ${c.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
    process.stdout.write('\n' + tables(rows) + '\n');
  } finally {
    if (!interrupted) {
      await http.close();
      await platform.close();
      // A failure to clean up must not hide the run's own error.
      await rm(dataDir, { recursive: true, force: true }).catch((e: unknown) =>
        process.stderr.write(`bench: could not remove ${dataDir}: ${(e as Error).message}\n`),
      );
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
