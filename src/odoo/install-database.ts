import path from 'node:path';
import { runChild } from '../hosting/child-process.js';
import { withParentDeathSignal } from '../hosting/parent-death.js';
import { ODOO_PYTHON } from './odoo-worker.js';

export interface OdooInstall {
  /** The Odoo tree (the folder holding `odoo-bin`) and its addons path, in Odoo's order. */
  tree: string;
  addonsPaths: string[];
  /** Where Odoo connects, and as whom: a role that owns `database` (and nothing else). */
  db: { host: string; port: number; user: string; password: string };
  /** The database, empty or not yet there: Odoo initialises it (base) before installing `modules`. */
  database: string;
  modules: string[];
  /** Odoo's data dir: the database's attachments land in `<dataDir>/filestore/<database>`. */
  dataDir: string;
  /** The OS user Odoo runs as (never root); undefined: as we run. */
  user?: { uid: number; gid: number };
}

/**
 * Installs `modules` into a database with Odoo itself (`odoo-bin -i … --stop-after-init`, no demo
 * data, no HTTP, no cron): the database is then exactly what Odoo makes for a new customer.
 * Rejects with the end of Odoo's log when odoo-bin fails.
 */
export async function installOdooDatabase(install: OdooInstall): Promise<void> {
  const args = [
    path.join(install.tree, 'odoo-bin'),
    'server',
    `--addons-path=${install.addonsPaths.join(',')}`,
    `--db_host=${install.db.host}`,
    `--db_port=${install.db.port}`,
    `--db_user=${install.db.user}`,
    `--data-dir=${install.dataDir}`,
    '-d',
    install.database,
    '-i',
    install.modules.join(','),
    '--without-demo=all',
    '--stop-after-init',
    '--no-http',
    '--max-cron-threads=0',
    '--log-level=warn',
  ];
  const { command, args: full } = await withParentDeathSignal('TERM', ODOO_PYTHON, args);
  await runChild(command, full, {
    cwd: install.tree,
    // Only what Odoo needs: the role's password through libpq's environment, never on a command
    // line; a UTF-8 locale (Odoo's files and messages are UTF-8), not the base's C.
    env: { PATH: '/usr/bin:/bin', LC_ALL: undefined, LANG: 'C.UTF-8', HOME: install.dataDir, PGPASSWORD: install.db.password },
    ...install.user,
    name: `odoo-bin -i ${install.modules.join(',')} on ${install.database}`,
    tailChars: 4000,
  });
}
