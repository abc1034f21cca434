import autocannon from 'autocannon';
import { sql } from 'kysely';
import { loginOverHttp } from '../agent-session.js';
import { defineBenchCase } from '../context.js';

const RATE = 300;
const SECONDS = Number(process.env.DBTOOLS_SOAK_SECONDS ?? 60);
/**
 * Unmeasured first run at the same rate: pools, JIT, caches and the garbage-collected heap reach
 * their working size (at 300 req/s the heap still grew ~40 % between 6 s and 60 s, then fell back
 * below its 6 s size by 180 s: no leak, a heap not yet grown).
 */
const WARMUP_SECONDS = Math.min(30, Math.max(20, Math.round(SECONDS / 10)));

interface Run {
  requests: number;
  failed: string | null;
  p50: number;
  p99: number;
  rate: number;
}

/** RSS of this process (server and load generator) once a second; `mean(k)` of the first/last k samples. */
function rssSeries() {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(process.memoryUsage().rss), 1000);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    stop: () => clearInterval(timer),
    first: (k: number) => mean(samples.slice(0, k)),
    last: (k: number) => mean(samples.slice(-k)),
    peak: () => Math.max(...samples),
    count: () => samples.length,
  };
}

export default defineBenchCase({
  name: 'soak',
  description: `${RATE} req/s for ${SECONDS} s (DBTOOLS_SOAK_SECONDS) over HTTP: searches, Tools pages, the policy, and cheap operations (ping, set-email-limit) with a CSRF session → 0 errors, RSS growth < 10 %`,
  async run({ app, server, baseUrl, demoPassword }) {
    const rows = (
      await sql<{ name: string; status: string }>`SELECT name, status FROM database
        WHERE state = 'active' AND mode <> 'drop' AND server_id = ${server.id} ORDER BY name`.execute(app.metabase)
    ).rows.filter((r) => !r.status.includes('maintenance'));
    if (!rows.length) throw new Error('soak: no open database to work on');
    const { cookie, csrfToken } = await loginOverHttp(baseUrl, 'infra', demoPassword);
    const post = (database: string, operation: string, body: object) => ({
      method: 'POST' as const,
      path: `/api/databases/${encodeURIComponent(database)}/operations/${operation}`,
      headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const get = (path: string) => ({ method: 'GET' as const, path, headers: { cookie } });
    // Per database: a search, its Tools page, the policy, a ping, a new e-mail limit (reads 3 in 5).
    const requests = rows.flatMap((r, i) => [
      get(`/api/databases?q=${encodeURIComponent(r.name.slice(0, 2 + (i % 5)))}`),
      get(`/api/databases/${encodeURIComponent(r.name)}`),
      get('/api/policy'),
      post(r.name, 'ping', {}),
      post(r.name, 'set-email-limit', { limit: 500 + (i % 7) * 100 }),
    ]);

    const drive = async (seconds: number): Promise<Run> => {
      const result = await autocannon({
        url: baseUrl,
        connections: 20,
        overallRate: RATE,
        duration: seconds,
        requests,
      });
      const bad = result.non2xx + result.errors + result.timeouts;
      return {
        requests: result.requests.total,
        failed: bad
          ? `${bad} failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`
          : null,
        p50: result.latency.p50,
        p99: result.latency.p99,
        rate: result.requests.total / (result.duration || seconds),
      };
    };

    const warm = await drive(WARMUP_SECONDS);
    if (warm.failed) process.stderr.write(`soak warm-up: ${warm.failed}\n`);
    const rss = rssSeries();
    let run: Run;
    try {
      run = await drive(SECONDS);
    } finally {
      rss.stop();
    }
    // A failed soak still shows its figures (the errors are the result), and the run exits 1.
    if (run.failed) {
      process.stderr.write(`soak: ${run.failed}\n`);
      process.exitCode = 1;
    }
    const k = Math.max(1, Math.min(5, Math.floor(rss.count() / 4)));
    const start = rss.first(k);
    const end = rss.last(k);
    const growth = (end / start - 1) * 100;
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
    return [
      {
        subject: `soak: ${SECONDS} s at ${RATE} req/s (reads, ping, set-email-limit)`,
        value: { rate: run.rate, per: 'req/s' },
        note: `${run.requests} requests, ${run.failed ?? '0 errors'} (goal 0); p50 ${run.p50} ms, p99 ${run.p99} ms`,
      },
      {
        subject: `soak: RSS of the process, first ${k} s → last ${k} s`,
        value: { bytes: end },
        note: `${mb(start)} → ${mb(end)} (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %, goal < 10 %), peak ${mb(rss.peak())}`,
      },
    ];
  },
});
