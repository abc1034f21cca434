import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { Prng } from '../../src/demo/prng.js';
import { demoRecord } from '../../src/logs/demo-records.js';
import { formatRecord } from '../../src/logs/format.js';
import { searchFile } from '../../src/logs/search.js';
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
