/**
 * Run before the suite (`npm test`'s pretest): makes what the real-Odoo tests need (Odoo's Debian
 * packages, its trees unpacked, the databases Odoo installs) while the machine is still idle, so
 * the first run on a machine pays for Odoo's installs once, in parallel, and not inside a test
 * hook competing with the rest of the suite. Later runs find everything cached and take seconds.
 * Without Odoo's sources it says so and leaves the decision (skip, or fail under CI) to the tests.
 */
import { access } from 'node:fs/promises';
import pLimit from 'p-limit';
import {
  odooMadeDump,
  odooMadeDatabase,
  REAL_ODOO_MODULE_SETS,
  REAL_ODOO_SERIES,
  REAL_ODOO_SOURCES,
  realOdooMissing,
  realOdooModules,
  realOdooSetAsked,
  realOdooTree,
  startRealOdooCluster,
} from './real-odoo.js';

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

const missing = await realOdooMissing(REAL_ODOO_SERIES);
if (missing) {
  console.warn(`dbtools: real Odoo not prepared: ${missing}.`);
  process.exit(0);
}
const started = Date.now();
const { cluster, admin, runner, stop } = await startRealOdooCluster('prepare');
try {
  // One database per series and module set. Three installs at a time: an install is one Python
  // process that waits on PostgreSQL about half the time, so three keep 2 cores busy.
  const limit = pLimit(3);
  const made = await Promise.all(
    REAL_ODOO_MODULE_SETS.flatMap((set) =>
      REAL_ODOO_SERIES.map((series) =>
        limit(async () => {
          const tree = await realOdooTree(series);
          const modules = await realOdooModules(set, series, tree);
          if (await exists(odooMadeDump(tree, series, modules))) return `${series} ${set} cached`;
          if (!realOdooSetAsked(set)) return `${series} ${set} not made (not asked for: see the README)`;
          const name = `prepare_${series.replace('.', '_')}_${set.replace(/-/g, '_')}`;
          const result = await odooMadeDatabase(runner, cluster, tree, series, modules, name);
          // The cluster is thrown away; dropping now keeps its disk small while the others install.
          await admin.query(`DROP DATABASE ${name}`);
          return `${series} ${set} installed in ${Math.round(result.ms / 1000)} s`;
        }),
      ),
    ),
  );
  console.info(
    `dbtools: real Odoo from ${REAL_ODOO_SOURCES} ready (${made.join(', ')}) in ${Math.round((Date.now() - started) / 1000)} s.`,
  );
} finally {
  await stop();
}
