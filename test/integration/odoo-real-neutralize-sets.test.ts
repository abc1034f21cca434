/**
 * Neutralization equal to Odoo's own on bigger databases made by real Odoo 16.0, 17.0 and 18.0:
 * a typical SaaS customer's apps, and every module of the trees with a data/neutralize.sql that
 * Odoo can install from them (one database per series and set, made by the pretest). Each is given
 * a live customer's settings (customerData, and every column a neutralize.sql resets set to a live
 * value), copied twice with CREATE DATABASE ... TEMPLATE; copy B is neutralized by
 * `odoo-bin neutralize`, copy A by us from the same tree. Module by module, every table its file
 * writes must have the same rows in A and B.
 *
 * The every-neutralize databases take 15+ minutes per series to install: they are made only when
 * asked (DBTOOLS_REAL_ODOO_EVERY_NEUTRALIZE=1) and used whenever the cache has them; otherwise
 * that set is skipped, saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neutralizationFiles } from '../../src/odoo/neutralization-files.js';
import { treeAddonsPaths } from '../../src/odoo/tree.js';
import { neutralizeCopy, type NeutralizationReport } from '../../src/provisioning/neutralization.js';
import { neutralizableModules } from '../../src/tenant/neutralize.js';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';
import {
  customerData,
  livenForNeutralization,
  tableContent,
  tablesWritten,
} from '../support/real-odoo-neutralization.js';
import {
  realOdooSetUnavailable,
  NOT_INSTALLABLE,
  neutralizeSqlModules,
  odooMadeDatabase,
  REAL_ODOO_REQUIRED,
  REAL_ODOO_SERIES,
  realOdooMissing,
  realOdooModules,
  realOdooTree,
  startRealOdooCluster,
  type RealOdooCluster,
  type RealOdooModuleSet,
} from '../support/real-odoo.js';

const SERIES = REAL_ODOO_SERIES;
const SETS: RealOdooModuleSet[] = ['saas-customer', 'every-neutralize'];

const missing = await realOdooMissing(SERIES);
if (missing) console.warn(`Real-Odoo neutralization tests (module sets) skipped: ${missing}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)(
  'real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)',
  () => {
    it('is available', () => {
      expect.fail(`Real Odoo is required but ${missing}.`);
    });
  },
);

/** Whether a set's databases are there to use (or to make, when asked), per series. */
async function available(set: RealOdooModuleSet): Promise<string | undefined> {
  return missing ? undefined : realOdooSetUnavailable(set, SERIES);
}

interface ModuleResult {
  module: string;
  tables: string[];
  /** Tables whose rows differ between our copy and Odoo's. */
  differing: string[];
  /** Rows of its tables Odoo's neutralization changed, added or removed: 0 means nothing was live. */
  changedByOdoo: number;
  rows: number;
}

interface SetResult {
  series: OdooSeries;
  set: RealOdooModuleSet;
  made: { cached: boolean; ms: number };
  /** Every module of the tree with a neutralize.sql, and its state in the database. */
  states: Map<string, string>;
  installed: string[];
  viaSource: NeutralizationReport;
  filesModules: string[];
  modules: ModuleResult[];
  ms: number;
}

let odoo: RealOdooCluster;
const results = new Map<string, SetResult>();
const skipped = new Map<RealOdooModuleSet, string | undefined>();
for (const set of SETS) skipped.set(set, await available(set));

/** How many rows of `after` are not in `before` plus the reverse (multisets of JSON rows). */
function rowsChanged(before: string[], after: string[]): number {
  const count = new Map<string, number>();
  for (const r of before) count.set(r, (count.get(r) ?? 0) + 1);
  let added = 0;
  for (const r of after) {
    const n = count.get(r) ?? 0;
    if (n > 0) count.set(r, n - 1);
    else added++;
  }
  return added + [...count.values()].reduce((a, b) => a + b, 0);
}

async function prove(series: OdooSeries, set: RealOdooModuleSet): Promise<SetResult> {
  const started = Date.now();
  const tree = await realOdooTree(series);
  const name = `odoo_${series.replace('.', '_')}_${set.replace(/-/g, '_')}`;
  const made = await odooMadeDatabase(
    odoo.runner,
    odoo.cluster,
    tree,
    series,
    await realOdooModules(set, series, tree),
    name,
  );
  const source = await odoo.connect(name);
  const { rows: stateRows } = await source.query<{ name: string; state: string }>(
    `SELECT name, state FROM ir_module_module WHERE name = ANY($1)`,
    [await neutralizeSqlModules(tree)],
  );
  const states = new Map(
    (await neutralizeSqlModules(tree)).map((m) => [
      m,
      stateRows.find((r) => r.name === m)?.state ?? 'absent',
    ]),
  );
  await customerData(source, series);
  const installed = await neutralizableModules(source);
  const files = await neutralizationFiles(treeAddonsPaths(tree), installed);
  await livenForNeutralization(source, files);
  const touched = new Map(files.map((f) => [f.module, tablesWritten(f.sql)]));
  const allTables = [...new Set([...touched.values()].flat())];
  const before = new Map<string, string[]>();
  for (const table of allTables) before.set(table, await tableContent(source, table));
  await source.end();
  const copies = { a: `${name}_a`, b: `${name}_b` };
  const maintenance = await odoo.connect('postgres');
  for (const copy of Object.values(copies))
    await maintenance.query(`CREATE DATABASE ${copy} TEMPLATE ${name}`);
  await odoo.runner.odooBin(tree, ['neutralize', '-d', copies.b]);
  const a = await odoo.connect(copies.a);
  await a.query('BEGIN');
  const viaSource = await neutralizeCopy(a, series, treeAddonsPaths(tree));
  await a.query('COMMIT');
  const b = await odoo.connect(copies.b);
  const contents = new Map<string, [string[], string[]]>();
  for (const table of allTables)
    contents.set(table, [await tableContent(a, table), await tableContent(b, table)]);
  const modules = [...touched].map(([module, tables]) => ({
    module,
    tables,
    differing: tables.filter(
      (t) => JSON.stringify(contents.get(t)![0]) !== JSON.stringify(contents.get(t)![1]),
    ),
    changedByOdoo: tables.reduce((n, t) => n + rowsChanged(before.get(t)!, contents.get(t)![1]), 0),
    rows: tables.reduce((n, t) => n + contents.get(t)![1].length, 0),
  }));
  for (const c of [a, b, maintenance]) await c.end();
  return {
    series,
    set,
    made,
    states,
    installed,
    viaSource,
    filesModules: files.map((f) => f.module),
    modules,
    ms: Date.now() - started,
  };
}

const runSets = SETS.filter((s) => !skipped.get(s));
for (const [set, why] of skipped)
  if (why) console.warn(`Real-Odoo neutralization, ${set} set skipped: ${why}.`);

describe.skipIf(missing || !runSets.length)(
  'neutralization equal to Odoo on module sets of real Odoo databases',
  () => {
    beforeAll(async () => {
      odoo = await startRealOdooCluster('sets');
      // One set at a time, its series side by side: each restore and copy is disk-bound.
      for (const set of runSets) {
        const settled = await Promise.allSettled(SERIES.map((series) => prove(series, set)));
        for (const s of settled) {
          if (s.status === 'rejected') throw s.reason;
          results.set(`${s.value.series} ${set}`, s.value);
        }
      }
      for (const r of results.values()) {
        const lines = r.modules.map(
          (m) =>
            `  ${m.module}: ${m.differing.length ? `DIFFERS in ${m.differing.join(', ')}` : 'equal'} (${m.tables.join(', ')}; ${m.rows} rows, ${m.changedByOdoo} changed by Odoo)`,
        );
        const absent = [...r.states]
          .filter(([, state]) => state !== 'installed')
          .map(([m, state]) => `${m} ${state}`);
        console.info(
          `Odoo ${r.series} ${r.set}: ${r.made.cached ? 'restored' : 'installed'} in ${(r.made.ms / 1000).toFixed(0)} s, ` +
            `compared in ${(r.ms / 1000).toFixed(0)} s; neutralize.sql modules not installed: ${absent.join(', ') || 'none'}\n${lines.join('\n')}`,
        );
      }
    }, 3_600_000);

    afterAll(async () => {
      await odoo?.stop();
    }, 60_000);

    describe.each(runSets)('%s', (set) => {
      describe.each(SERIES)('Odoo %s', (series) => {
        it("runs the files of the same installed modules as odoo-bin neutralize, in Odoo's order", () => {
          const r = results.get(`${series} ${set}`)!;
          expect(r.viaSource.via).toBe('odoo-source');
          expect(r.viaSource.modules).toEqual(r.filesModules);
          if (set === 'saas-customer') {
            expect(r.filesModules).toEqual(
              expect.arrayContaining([
                'base',
                'web',
                'mail',
                'iap',
                'auth_oauth',
                'payment',
                'payment_stripe',
                'website',
                'delivery',
                'google_calendar',
                'microsoft_calendar',
              ]),
            );
          }
        });

        if (set === 'every-neutralize') {
          it('has every module of the tree with a neutralize.sql installed, but those Odoo cannot load from the pruned tree', () => {
            const r = results.get(`${series} ${set}`)!;
            const notInstalled = [...r.states].filter(([, state]) => state !== 'installed').map(([m]) => m);
            expect(notInstalled.sort()).toEqual(Object.keys(NOT_INSTALLABLE[series]).sort());
            expect(r.filesModules.sort()).toEqual(
              [...r.states.keys()].filter((m) => !notInstalled.includes(m)).sort(),
            );
          });
        }

        it('leaves, module by module, every table its neutralize.sql writes exactly as odoo-bin neutralize does', () => {
          const r = results.get(`${series} ${set}`)!;
          expect(
            r.modules.filter((m) => m.differing.length).map((m) => `${m.module}: ${m.differing.join(', ')}`),
          ).toEqual([]);
          // The live data made the files act: most modules' tables were changed by Odoo.
          const acted = r.modules.filter((m) => m.changedByOdoo > 0).length;
          expect(acted).toBeGreaterThan(r.modules.length / 2);
        });
      });
    });
  },
);
