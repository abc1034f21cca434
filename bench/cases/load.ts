import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { relayDay } from '../../src/mail/relay/day.js';
import { databaseSize } from '../../src/hosting/database-copy.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { listCompanies } from '../../src/tenant/companies.js';
import { listIapAccounts } from '../../src/tenant/iap.js';
import { externalSentBetween, mailStats } from '../../src/tenant/mail-stats.js';
import { listOauthProviders, platformProviderId } from '../../src/tenant/oauth.js';
import { RELAY_MAIL_SERVER_NAME } from '../../src/tenant/relay-mail-server.js';
import { findDefaultAdmin, listInternalUsers } from '../../src/tenant/users.js';
import { loginOverHttp } from '../agent-session.js';
import { defineBenchCase, type BenchContext, type BenchRow } from '../context.js';
import { summary } from '../measure.js';

const AGENTS = 50;
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 15);

interface Figures {
  rate: number;
  p50: number;
  p99: number;
  n: number;
}

/** A section that could not load is `{error}` alone in the page's `tools`. */
function sectionInError(body: string): boolean {
  const page = JSON.parse(body) as { tools: Record<string, object> };
  return Object.values(page.tools).some((t) => Object.keys(t).length === 1 && 'error' in t);
}

/** `AGENTS` connections cycling over `paths` for SECONDS; every answer must be a 200. */
async function drive(baseUrl: string, cookie: string, paths: string[]): Promise<Figures> {
  // A page whose section could not load still answers 200: count those as failures too.
  let brokenSections = 0;
  const result = await autocannon({
    url: baseUrl,
    connections: AGENTS,
    duration: SECONDS,
    headers: { cookie },
    requests: paths.map((path) => ({
      method: 'GET' as const,
      path,
      onResponse: (status: number, body: string) => {
        if (status === 200 && path.startsWith('/api/databases/') && sectionInError(body)) brokenSections++;
      },
    })),
  });
  const failed = result.non2xx + result.errors + result.timeouts + brokenSections;
  if (failed) {
    throw new Error(
      `load: ${failed} failed requests (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}, pages with a section in error ${brokenSections})`,
    );
  }
  return {
    rate: result.requests.total / (result.duration || SECONDS),
    p50: result.latency.p50,
    p99: result.latency.p99,
    n: result.requests.total,
  };
}

/**
 * The raw work of a Tools page (level 5) done directly with pg: the metabase row, then the
 * tenant reads its sections make (the same functions, so the same SQL), concurrently on one
 * pipelined connection of a small per-database pool, at the same concurrency.
 */
async function rawPages(ctx: BenchContext, server: HostingServerRow, names: string[]): Promise<Figures> {
  const metabase = new pg.Pool({ ...ctx.metabaseConnection, max: 10 });
  const tenants = new Map(
    names.map((database) => [
      database,
      new pg.Pool({
        host: server.host,
        port: server.port,
        user: server.superuser,
        password: server.password ?? undefined,
        database,
        max: 2,
        pipeline: true,
      }),
    ]),
  );
  const now = new Date();
  const dayStart = new Date(`${relayDay(now, 0)}T00:00:00Z`);
  const samples: number[] = [];
  let next = 0;
  const end = performance.now() + SECONDS * 1000;
  const agent = async () => {
    while (performance.now() < end) {
      const name = names[next++ % names.length];
      const start = performance.now();
      await metabase.query('SELECT * FROM database WHERE name = $1', [name]);
      const client = await tenants.get(name)!.connect();
      try {
        await Promise.all([
          externalSentBetween(client, dayStart, now, RELAY_MAIL_SERVER_NAME),
          mailStats(client),
          databaseSize(client, name),
          listInternalUsers(client),
          platformProviderId(client),
          listOauthProviders(client),
          listInternalUsers(client),
          findDefaultAdmin(client),
          listInternalUsers(client),
          listCompanies(client),
          listIapAccounts(client),
        ]);
      } finally {
        client.release();
      }
      samples.push(performance.now() - start);
    }
  };
  try {
    const started = performance.now();
    await Promise.all(Array.from({ length: AGENTS }, agent));
    const s = summary(samples);
    return { rate: samples.length / ((performance.now() - started) / 1000), p50: s.p50, p99: s.p99, n: s.n };
  } finally {
    await metabase.end();
    for (const pool of tenants.values()) await pool.end();
  }
}

export default defineBenchCase({
  name: 'load',
  description: `${AGENTS} agents for ${SECONDS} s over HTTP on Tools pages (level 5, tenant sections) and searches of the demo databases vs the page's raw SQL (metabase row + tenant reads) with pg at the same concurrency`,
  async run(ctx) {
    const { app, server, baseUrl, demoPassword } = ctx;
    const names = (
      await sql<{ name: string }>`SELECT name FROM database WHERE state = 'active' AND server_id = ${server.id} ORDER BY name`.execute(
        app.metabase,
      )
    ).rows.map((r) => r.name);
    const { cookie } = await loginOverHttp(baseUrl, 'infra', demoPassword);
    const pages = names.map((n) => `/api/databases/${encodeURIComponent(n)}`);
    // One search in four: 1-2 characters, a prefix, a word, a uuid-like hex prefix.
    const terms = ['a', 'ba', 'acme', 'bakery', 'law', 'nord', '3f', 'co'];
    const mix = pages.flatMap((p, i) => (i % 3 === 2 ? [p, `/api/databases?q=${terms[i % terms.length]}`] : [p]));

    // Warm-up: every page once (pools, caches of the planner).
    await drive(baseUrl, cookie, pages).catch(() => undefined);
    const raw = await rawPages(ctx, server, names);
    const tools = await drive(baseUrl, cookie, pages);
    const mixed = await drive(baseUrl, cookie, mix);
    const rawTiming = { subject: 'raw page SQL with pg', p50: raw.p50, p99: raw.p99 };
    const rawRate = { subject: 'raw page SQL with pg', value: { rate: raw.rate, per: 'pages/s' } };
    const rows: BenchRow[] = [
      {
        subject: `Tools pages, ${AGENTS} agents (HTTP)`,
        value: { rate: tools.rate, per: 'req/s' },
        note: `p50 ${tools.p50} ms, p99 ${tools.p99} ms; goal ≥ 0.5× raw`,
        baseline: rawRate,
      },
      {
        subject: `search + Tools pages mix (1 in 4 a search), ${AGENTS} agents`,
        value: { rate: mixed.rate, per: 'req/s' },
        note: `p50 ${mixed.p50} ms, p99 ${mixed.p99} ms`,
        baseline: rawRate,
      },
      { subject: `Tools page, ${AGENTS} agents (HTTP)`, n: tools.n, p50: tools.p50, p99: tools.p99, baseline: rawTiming },
      { subject: `mix, ${AGENTS} agents (HTTP)`, n: mixed.n, p50: mixed.p50, p99: mixed.p99, baseline: rawTiming },
    ];
    return rows;
  },
});
