import { sql } from 'kysely';
import { metabaseReads } from '../../src/metabase/connect.js';
import { searchDatabases, type DatabaseSearch } from '../../src/metabase/repositories/databases.js';
import { defineBenchCase, type BenchRow } from '../context.js';
import { generateDatabases } from '../generate-databases.js';
import { concurrentTimings, summary, timings } from '../measure.js';

const ROWS = Number(process.env.BENCH_SEARCH_ROWS ?? 1_000_000);
// Seven name substrings, six query kinds: 42 rounds of each.
const N = 252;
/** Agents searching at once, as many as call the route in the load case. */
const AGENTS = 50;
const N_CONCURRENT = 50 * 30;

interface Sample {
  uuid: string;
  name: string;
  subcode: string | null;
}

export default defineBenchCase({
  name: 'search',
  description: `search over ${ROWS.toLocaleString('en-US')} generated databases, one caller then ${AGENTS} at once, vs the raw name-prefix query (name LIKE 'x%' ORDER BY name LIMIT 50)`,
  async run({ app, server }) {
    const started = Date.now();
    await generateDatabases(app.metabase, server.id, ROWS);
    process.stderr.write(
      `search: ${ROWS} rows generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );

    const samples = (
      await sql<Sample>`SELECT name, uuid::text AS uuid, subcode FROM database TABLESAMPLE BERNOULLI (0.01) LIMIT 200`.execute(
        app.metabase,
      )
    ).rows;
    const paid = samples.filter((s) => s.subcode);
    const pick = <T>(list: T[], i: number) => list[i % list.length];
    // Name substrings from very common (a word in 1 name of 40) to rare (one database) to none.
    const substrings = (i: number) =>
      pick(
        [
          'bakery',
          'law',
          'nordic-',
          'brew',
          pick(samples, i).name.split('-').slice(1).join('-'),
          'zqxj',
          'cedar-coffee',
        ],
        i,
      );

    const page1 = await searchDatabases(app.metabase, { mode: 'paid', status: 'open', limit: 50 });
    const kinds: Record<string, (i: number) => DatabaseSearch> = {
      'q = name substring': (i) => ({ q: substrings(i), limit: 50 }),
      'q = 1-2 characters (name prefix)': (i) => ({
        q: pick(['a', 'n', 'ce', 'zq', 'b', '7', 'no'], i),
        limit: 50,
      }),
      'q = uuid prefix (8)': (i) => ({ q: pick(samples, i).uuid.slice(0, 8), limit: 50 }),
      'q = subscription code': (i) => ({ q: pick(paid, i).subcode!, limit: 50 }),
      'mode + status, page 2': () => ({
        mode: 'paid',
        status: 'open',
        limit: 50,
        after: page1[page1.length - 1].name,
      }),
      'q + mode, page 2': (i) => ({
        q: pick(['bakery', 'law', 'brew'], i),
        mode: 'trial',
        limit: 50,
        after: 'm',
      }),
    };
    const names = Object.keys(kinds);

    // The fastest search SQL this table has: a name prefix, one range of the name btree. (A raw
    // LIKE '%x%' has no index of its own any more: it walks the table, seconds per call.)
    const raw = summary(
      await timings(N, (i) =>
        sql`SELECT name, uuid, mode, status, version, expire_date FROM database
            WHERE name LIKE ${substrings(i) + '%'} ORDER BY name LIMIT 50`.execute(app.metabase),
      ),
    );
    const baseline = { subject: "raw name LIKE 'x%' LIMIT 50", p50: raw.p50, p99: raw.p99 };

    // As the route does: reads on the shared pipelined connections.
    const reads = metabaseReads(app.metabase);
    const perKind: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
    const all = await timings(N, async (i) => {
      const kind = names[i % names.length];
      const start = process.hrtime.bigint();
      await searchDatabases(reads, kinds[kind](Math.floor(i / names.length)));
      perKind[kind].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
    const rows: BenchRow[] = [{ subject: 'searchDatabases(), mix of all below', ...summary(all), baseline }];
    // The warm-up calls are in perKind too: keep the measured ones only.
    for (const k of names)
      rows.push({ subject: `  ${k}`, ...summary(perKind[k].slice(-Math.floor(N / names.length))), baseline });

    // The same raw query, 50 callers at once on the same shared connections: what the machine
    // gives the cheapest search at this concurrency.
    const rawAtOnce = summary(
      await concurrentTimings(N_CONCURRENT, AGENTS, (i) =>
        sql`SELECT name, uuid, mode, status, version, expire_date FROM database
            WHERE name LIKE ${substrings(i) + '%'} ORDER BY name LIMIT 50`.execute(reads),
      ),
    );
    const baselineAtOnce = {
      subject: `raw name LIKE 'x%' LIMIT 50, ${AGENTS} at once`,
      p50: rawAtOnce.p50,
      p99: rawAtOnce.p99,
    };
    const atOnce: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
    const mixed = await concurrentTimings(N_CONCURRENT, AGENTS, async (i) => {
      const kind = names[i % names.length];
      const start = process.hrtime.bigint();
      await searchDatabases(reads, kinds[kind](Math.floor(i / names.length)));
      atOnce[kind].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
    rows.push({
      subject: `mix, ${AGENTS} agents at once (goal p99 ≤ 20 ms)`,
      ...summary(mixed),
      baseline: baselineAtOnce,
    });
    for (const k of names)
      rows.push({ subject: `  ${k}, ${AGENTS} at once`, ...summary(atOnce[k]), baseline: baselineAtOnce });
    return rows;
  },
});
