import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { Prng } from '../../src/demo/prng.js';
import { demoRecord } from '../../src/logs/demo-records.js';
import { formatRecord } from '../../src/logs/format.js';
import { searchFile, streamLogSearch } from '../../src/logs/search.js';
import type { ScanFilter } from '../../src/logs/scan.js';
import { defineBenchCase, type BenchRow } from '../context.js';
import { rssSampler, timed } from '../measure.js';

const MB = 1024 * 1024;
/** A busy server's day; BENCH_LOGS_MB makes a quicker run. */
const DAY_MB = Number(process.env.BENCH_LOGS_MB ?? 100);
const BIG_GB = Number(process.env.DBTOOLS_BENCH_GB ?? 1);
const ROUNDS = 5;
/** A server searches warm: the JIT has compiled the scanner (grep needs no warming; its runs are the same count). */
const WARMUP = 3;

async function writeDay(file: string, megabytes: number): Promise<void> {
  const prng = new Prng('bench-logs');
  const databases = Array.from({ length: 40 }, (_, i) => `customer-${i}`);
  const out = createWriteStream(file);
  const start = Date.parse('2026-11-28T05:00:00Z');
  let written = 0;
  for (let i = 0; written < megabytes * MB; i++) {
    let chunk = '';
    for (let k = 0; k < 2000; k++) chunk += formatRecord(demoRecord(prng, new Date(start + (i * 2000 + k) * 150), databases, [101, 102, 103, 104]));
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Runs a shell pipeline; answers its stdout (the match count of `… | wc -l`). */
function sh(command: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command, 'sh', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${command}: exit ${code}`))));
  });
}

/** The median of `ROUNDS` runs after `WARMUP` ones (the file is in the page cache for both sides). */
async function median<T>(fn: () => Promise<T>): Promise<[T, number]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const runs: [T, number][] = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await timed(fn));
  runs.sort((a, b) => a[1] - b[1]);
  return runs[Math.floor(ROUNDS / 2)];
}

async function ours(file: string, compressed: boolean, filter: Omit<ScanFilter, 'context'>): Promise<number> {
  const { lines } = await searchFile(file, compressed, { ...filter, context: 0 }, Number.MAX_SAFE_INTEGER);
  return lines.filter((l) => l.hit).length;
}

export default defineBenchCase({
  name: 'logs',
  description: `technical log search: a ${DAY_MB} MB day (plain, gzipped, regex) vs grep -F / zgrep -F / grep -E, and memory while searching ${BIG_GB} GB`,
  async run({ dataDir }) {
    const dir = path.join(dataDir, 'bench-logs');
    await mkdir(dir, { recursive: true });
    const day = path.join(dir, 'odoo.log.2026-11-28');
    const started = Date.now();
    await writeDay(day, DAY_MB);
    await sh('gzip -6 -c "$1" > "$1.gz"', day);
    const size = (await stat(day)).size;
    process.stderr.write(`logs: ${(size / MB).toFixed(0)} MB day written and gzipped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const rows: BenchRow[] = [];

    const fixed = 'ConnectionRefusedError';
    const [hitsF, msF] = await median(() => ours(day, false, { q: fixed }));
    const [grepF, msGrepF] = await median(() => sh('grep -nF "$1" "$2" | wc -l', fixed, day));
    if (String(hitsF) !== grepF) throw new Error(`fixed string: ${hitsF} lines, grep ${grepF}`);
    rows.push({
      subject: `search ${(size / MB).toFixed(0)} MB for a fixed string (${hitsF} lines, records whole)`,
      value: { ms: msF },
      note: 'goal ≤ 1.5×',
      baseline: { subject: 'grep -nF | wc -l', value: { ms: msGrepF } },
    });

    const [hitsZ, msZ] = await median(() => ours(`${day}.gz`, true, { q: fixed }));
    const [zgrepF, msZgrep] = await median(() => sh('zgrep -nF "$1" "$2" | wc -l', fixed, `${day}.gz`));
    if (String(hitsZ) !== zgrepF) throw new Error(`gzipped: ${hitsZ} lines, zgrep ${zgrepF}`);
    rows.push({
      subject: `search the gzipped day for a fixed string`,
      value: { ms: msZ },
      note: 'goal ≤ 1.5×',
      baseline: { subject: 'zgrep -nF | wc -l', value: { ms: msZgrep } },
    });

    const regex = 'Job .* done in 1\\.[0-9]+s';
    const [hitsR, msR] = await median(() => ours(day, false, { q: regex, regex: true }));
    const [grepR, msGrepR] = await median(() => sh('grep -nE "$1" "$2" | wc -l', regex, day));
    if (String(hitsR) !== grepR) throw new Error(`regex: ${hitsR} lines, grep -E ${grepR}`);
    rows.push({
      subject: `search the day for a regular expression (${hitsR} lines)`,
      value: { ms: msR },
      note: 'goal ≤ 1.5×',
      baseline: { subject: 'grep -nE | wc -l', value: { ms: msGrepR } },
    });

    // The first lines of a streamed search (what the viewer shows first) on the same day.
    const firstLines = async () => {
      const start = performance.now();
      let first = 0;
      await streamLogSearch(dir, { q: fixed, file: path.basename(day), context: 0, limit: 20_000 }, () => {
        first ||= performance.now() - start;
      });
      return first;
    };
    const [msFirst] = await median(firstLines);
    rows.push({ subject: `  first lines of the streamed search of the day`, value: { ms: msFirst }, note: 'goal ≤ 100 ms' });

    // Many hits with their tracebacks, in a log written outside (Python's logging, as Odoo writes):
    // each hit's record is its line and the 7 lines of its traceback, which grep -A7 prints too.
    const outside = path.join(dir, 'outside.log');
    // From a script file, as Odoo runs: each traceback frame shows its source line (7 lines in all).
    await sh(`cat > "$2" <<'EOF'
import logging, sys
h = logging.FileHandler(sys.argv[1], encoding='utf-8')
h.setFormatter(logging.Formatter('%(asctime)s %(process)s %(levelname)s %(dbname)s %(name)s: %(message)s'))
root = logging.getLogger(); root.addHandler(h); root.setLevel(logging.INFO)
class Db(logging.Filter):
    def filter(self, r):
        r.dbname = 'customer-%d' % (r.relativeCreated % 40); return True
h.addFilter(Db())
cron = logging.getLogger('odoo.addons.base.models.ir_cron')
http = logging.getLogger('werkzeug')
def fail(i):
    try:
        def inner(): raise ConnectionRefusedError(111, 'Connection refused: mail.example.com:%d' % i)
        inner()
    except Exception:
        cron.exception('Job %d failed: mail server unreachable', i)
for i in range(200000):
    http.info('127.0.0.1 - - "POST /web/dataset/call_kw/res.partner/read HTTP/1.1" 200 - %d 0.%03d 0.%03d', i, i % 1000, (i * 7) % 1000)
    if i % 50 == 0: fail(i)
EOF
python3 "$2" "$1"`, outside, path.join(dir, 'write-outside.py'));
    const needle = 'failed: mail server';
    const [manyLines, msMany] = await median(async () => (await searchFile(outside, false, { q: needle, context: 0 }, Number.MAX_SAFE_INTEGER)).lines.length);
    const [grepMany, msGrepMany] = await median(() => sh(`grep -nF -A7 "$1" "$2" | grep -v '^--$' | wc -l`, needle, outside));
    if (String(manyLines) !== grepMany) throw new Error(`many hits: ${manyLines} lines, grep -A7 ${grepMany}`);
    rows.push({
      subject: `search a ${((await stat(outside)).size / MB).toFixed(0)} MB log written outside: 4,000 hits with their tracebacks (${manyLines} lines)`,
      value: { ms: msMany },
      note: 'goal ≤ 1.5×',
      baseline: { subject: 'grep -nF -A7 | grep -v -- | wc -l', value: { ms: msGrepMany } },
    });

    // Memory: a search that reads every byte of a big file (no match: nothing stops it early).
    const big = path.join(dir, 'odoo.log.big');
    const copies = Math.max(1, Math.round((BIG_GB * 1024) / (size / MB)));
    await sh(`for i in $(seq ${copies}); do cat "$1"; done > "$2"`, day, big);
    const bigSize = (await stat(big).catch(() => ({ size: 0 }))).size;
    global.gc?.();
    const rest = process.memoryUsage().rss;
    const sampler = rssSampler();
    const [, msBig] = await timed(() => ours(big, false, { q: 'no-such-text-in-any-line' }));
    const peak = sampler.stop();
    const [, msGrepBig] = await timed(() => sh('grep -nF "$1" "$2" | wc -l', 'no-such-text-in-any-line', big));
    rows.push({
      subject: `search ${(bigSize / MB / 1024).toFixed(2)} GB (no match: every byte read)`,
      value: { ms: msBig },
      baseline: { subject: 'grep -nF | wc -l', value: { ms: msGrepBig } },
    });
    rows.push({
      subject: `  memory of the process above rest while searching it (rest ${(rest / MB).toFixed(0)} MB)`,
      value: { bytes: Math.max(0, peak - rest) },
      note: 'goal < 100 MB',
    });
    return rows;
  },
});
