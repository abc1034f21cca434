import { sql } from 'kysely';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  searchDatabases,
  searchStatement,
  type DatabaseSearch,
} from '../../src/metabase/repositories/databases.js';
import { defineBenchCase, type TimingRow } from '../context.js';
import { generateDatabases } from '../generate-databases.js';
import { loginOverHttp } from '../agent-session.js';
import type { SearchCallersPlan } from '../search-callers.js';

const ROWS = Number(process.env.BENCH_SEARCH_ROWS ?? 1_000_000);
/** Calls of each kind by one caller. */
const N = 200;
/** Agents searching at once, as many as call the route in the load case. */
const AGENTS = 50;
const N_CONCURRENT = 50 * 30;

/**
 * Runs the callers in a process of their own (bench/search-callers.ts), as agents' browsers are
 * apart from the server: the server's event loop is not the one timing 50 callers.
 */
async function runCallers(plan: SearchCallersPlan): Promise<TimingRow[]> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const child = spawn(
    path.join(here, '../../node_modules/.bin/tsx'),
    [path.join(here, '../search-callers.ts')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stdin.end(JSON.stringify(plan));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`search callers exited with ${code}`);
  return JSON.parse(out) as TimingRow[];
}

interface Sample {
  uuid: string;
  name: string;
  subcode: string | null;
}

export default defineBenchCase({
  name: 'search',
  description: `search over ${ROWS.toLocaleString('en-US')} generated databases, one caller then ${AGENTS} at once, vs the raw name-prefix query (name LIKE 'x%' ORDER BY name LIMIT 50)`,
  async run({ app, server, baseUrl, demoPassword, metabaseConnection }) {
    const started = Date.now();
    await generateDatabases(app.metabase, server.id, ROWS);
    process.stderr.write(
      `search: ${ROWS} rows generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );

    // About 400 rows sampled whatever BENCH_SEARCH_ROWS is: a fixed 0.01 % found almost none in a
    // small run, and the kinds below read a sample's name.
    const percent = Math.min(100, (400 / ROWS) * 100);
    const samples = (
      await sql<Sample>`SELECT name, uuid::text AS uuid, subcode FROM database TABLESAMPLE BERNOULLI (${sql.lit(percent)}) LIMIT 200`.execute(
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
    // Each kind's searches, made up front: the callers' process gets them as data.
    const plan: SearchCallersPlan = {
      baseUrl,
      cookie: (await loginOverHttp(baseUrl, 'infra', demoPassword)).cookie,
      connection: metabaseConnection,
      rawPrefixes: Array.from({ length: 42 }, (_, i) => substrings(i)),
      kinds: Object.fromEntries(
        Object.entries(kinds).map(([k, make]) => [k, Array.from({ length: 42 }, (_, i) => make(i))]),
      ),
      n: N,
      nAtOnce: N_CONCURRENT,
      agents: AGENTS,
    };
    const rows = await runCallers(plan);
    // Each kind's plan as it ran, with its buffers: one range, then the page's rows by name.
    if (process.env.BENCH_SEARCH_EXPLAIN)
      for (const [kind, make] of Object.entries(kinds)) {
        const statement = await searchStatement(app.metabase, make(1));
        if (!statement) continue;
        const { rows: plan } = await sql<{
          'QUERY PLAN': string;
        }>`EXPLAIN (ANALYZE, BUFFERS) ${statement}`.execute(app.metabase);
        process.stderr.write(
          `\n${kind}: ${JSON.stringify(make(1))}\n${plan.map((r) => r['QUERY PLAN']).join('\n')}\n`,
        );
      }
    return rows;
  },
});
