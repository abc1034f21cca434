import { sql } from 'kysely';
import type pg from 'pg';
import { connectMetabase, metabaseReads } from '../src/metabase/connect.js';
import { searchDatabases, type DatabaseSearch } from '../src/metabase/repositories/databases.js';
import type { TimingRow } from './context.js';
import { concurrentTimings, summary, timings } from './measure.js';

/** What the search case hands its callers' process (a JSON file named on the command line). */
export interface SearchCallersPlan {
  baseUrl: string;
  cookie: string;
  connection: pg.PoolConfig;
  /** Name prefixes for the raw one-range query, one per call (cycled). */
  rawPrefixes: string[];
  /** Each kind's searches, one per call (cycled). */
  kinds: Record<string, DatabaseSearch[]>;
  n: number;
  nAtOnce: number;
  agents: number;
}

/**
 * The search bench's callers, in a process of their own as agents' browsers are: the server's
 * event loop serves searches and nothing else while they are timed. Measures, in the same run,
 * the raw one-range query and each kind of search: its statement as the server sends it (on shared
 * read connections of this process) and the route over HTTP, one caller then `agents` at once.
 * Prints the rows as JSON on stdout.
 */
async function main(): Promise<void> {
  const plan = JSON.parse(
    await new Promise<string>((resolve) => {
      let text = '';
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', (c: string) => (text += c));
      process.stdin.on('end', () => resolve(text));
    }),
  ) as SearchCallersPlan;
  const db = connectMetabase(plan.connection);
  const reads = metabaseReads(db);
  const cycle = <T>(list: T[], i: number) => list[i % list.length];
  const raw = (i: number) =>
    sql`SELECT name, uuid, mode, status, version, expire_date FROM database
        WHERE name LIKE ${cycle(plan.rawPrefixes, i) + '%'} ORDER BY name LIMIT 50`.execute(reads);
  const overHttp = async (s: DatabaseSearch) => {
    const params = new URLSearchParams({ limit: String(s.limit) });
    if (s.q) params.set('q', s.q);
    if (s.mode) params.set('mode', s.mode);
    if (s.status) params.set('status', s.status);
    if (s.after) params.set('cursor', s.after);
    const res = await fetch(`${plan.baseUrl}/api/databases?${params}`, { headers: { cookie: plan.cookie } });
    if (!res.ok) throw new Error(`search ${params} answered ${res.status}`);
    await res.arrayBuffer();
  };
  const rows: TimingRow[] = [];
  try {
    // The baseline is measured again just before each row it stands beside: the load of a shared
    // machine drifts over the minutes of a run.
    const rawOne = async () => {
      const { p50, p99 } = summary(await timings(plan.n, raw));
      return { subject: "raw name LIKE 'x%' LIMIT 50", p50, p99 };
    };
    const rawAtOnce = async () => {
      const { p50, p99 } = summary(await concurrentTimings(plan.nAtOnce, plan.agents, raw));
      return { subject: `raw name LIKE 'x%' LIMIT 50, ${plan.agents} at once`, p50, p99 };
    };
    const ways: [string, (s: DatabaseSearch) => Promise<unknown>][] = [
      ['statement', (s) => searchDatabases(reads, s)],
      ['route over HTTP', overHttp],
    ];
    for (const [way, call] of ways)
      for (const [kind, searches] of Object.entries(plan.kinds)) {
        const one = await rawOne();
        rows.push({
          subject: `${kind}, ${way}`,
          ...summary(await timings(plan.n, (i) => call(cycle(searches, i)))),
          baseline: one,
        });
        const atOnce = await rawAtOnce();
        rows.push({
          subject: `${kind}, ${way}, ${plan.agents} at once`,
          ...summary(await concurrentTimings(plan.nAtOnce, plan.agents, (i) => call(cycle(searches, i)))),
          baseline: atOnce,
        });
      }
  } finally {
    await db.destroy();
  }
  process.stdout.write(JSON.stringify(rows));
}

main().catch((e: unknown) => {
  process.stderr.write(`search callers failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
