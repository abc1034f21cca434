import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, chown, mkdir, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import { runPgToolAsLoader } from '../hosting/backup-pg.js';
import { clusterOwner } from '../hosting/cluster.js';
import { RESERVED_NAME_PREFIX } from '../hosting/database-name.js';
import { dropDatabase } from '../hosting/cluster-databases.js';
import { dropTenantRole, letOdooBusConnect } from '../hosting/tenant-role.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { installOdooDatabase } from '../odoo/install-database.js';
import { odooSourceOf, type OdooSource } from '../odoo/serving.js';
import { createLoadTargetOn, hostingLoadCluster } from '../provisioning/customer-sql.js';
import { ensureTemplateFromDump } from '../provisioning/template-from-dump.js';
import { odooSeries, type OdooSeries } from '../tenant/odoo-version.js';

/**
 * The apps of the demo's Odoo-made databases: what a small company on these series commonly runs
 * (CRM, sales, invoicing, a website, e-mail marketing, projects, contacts), plus the OAuth login
 * the platform links administrators with. Those a tree lacks are left out (see the trees'
 * SOURCES.md); Odoo installs each one's dependencies itself.
 */
export const DEMO_ODOO_MODULES = [
  'contacts',
  'crm',
  'sale_management',
  'account',
  'website',
  'mass_mailing',
  'project',
  'auth_oauth',
];

/** Bumped when what the demo asks Odoo to make changes in a way the module list does not show. */
const REVISION = 1;

/** The template the demo's databases of a series are copied from on each server: `dbtools_odoo_template_17_0`. */
export function odooTemplateName(series: OdooSeries): string {
  return `dbtools_odoo_template_${series.replace('.', '_')}`;
}

/** A database Odoo made, kept in the data folder: its pg_dump archive and its filestore. */
export interface OdooMadeDump {
  series: OdooSeries;
  key: string;
  dump: string;
  filestore: string;
}

/** What a demo database of a series is made from on a server: Odoo's database as a template, and its files. */
export interface OdooDemoTemplate {
  template: string;
  filestore: string;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function installableModules(app: App, source: OdooSource): Promise<string[]> {
  const found: string[] = [];
  for (const module of app.config.odooDemoModules ?? DEMO_ODOO_MODULES) {
    for (const dir of source.addonsPaths) {
      if (await exists(path.join(dir, module, '__manifest__.py'))) {
        found.push(module);
        break;
      }
    }
  }
  return found;
}

// One build per dump in this process: both embedded servers ask for the same series at once.
const building = new Map<string, Promise<OdooMadeDump>>();

/**
 * The database Odoo makes for the demo of `source`'s series, made once per data folder: the first
 * start runs `odoo-bin -i` on `server`'s cluster (a minute or more per series on 2 cores), every
 * later start finds the archive. The archive is renamed into place last, after its filestore, so
 * a start killed half-way leaves nothing that counts as made; the next start builds again.
 */
export function odooMadeDump(
  app: App,
  server: HostingServerRow,
  source: OdooSource,
  cacheDir: string,
): Promise<OdooMadeDump> {
  const key = `${cacheDir}\0${source.tree}\0${source.series}`;
  let made = building.get(key);
  if (!made) {
    made = buildOnce(app, server, source, cacheDir);
    building.set(key, made);
    made.catch(() => building.delete(key));
  }
  return made;
}

async function buildOnce(
  app: App,
  server: HostingServerRow,
  source: OdooSource,
  cacheDir: string,
): Promise<OdooMadeDump> {
  const modules = await installableModules(app, source);
  // The tree's real folder: the same Odoo reached through another link is the same database.
  const tree = await realpath(source.tree);
  const key = createHash('sha256')
    .update(JSON.stringify([REVISION, tree, modules]))
    .digest('hex')
    .slice(0, 16);
  const base = path.join(cacheDir, `${source.series}-${key}`);
  const made: OdooMadeDump = {
    series: source.series,
    key,
    dump: `${base}.dump`,
    filestore: `${base}.filestore`,
  };
  if (await exists(made.dump)) return made;

  const started = Date.now();
  app.log.info(
    { series: source.series, modules, server: server.name },
    `making the demo's Odoo ${source.series} database with odoo-bin (first start only; later starts reuse it)`,
  );
  const name = `${RESERVED_NAME_PREFIX}odoo_demo_${source.series.replace('.', '_')}`;
  const work = `${base}.building`;
  const owner = clusterOwner();
  const cluster = hostingLoadCluster(app, server);
  const dropLeftovers = () =>
    cluster.withAdmin(async (admin) => {
      await dropDatabase(admin, name);
      await dropTenantRole(admin, name);
    });
  await dropLeftovers();
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  if (owner) await chown(work, owner.uid, owner.gid);
  try {
    // Odoo runs as a role that owns this one database and nothing else, as a tenant's does; it
    // looks the database up in the maintenance database first (odoo/service/db.py).
    const login = await createLoadTargetOn(cluster, name, name, { odooExtensions: true });
    await cluster.withAdmin((admin) => letOdooBusConnect(admin, name));
    await installOdooDatabase({
      tree: source.tree,
      addonsPaths: source.addonsPaths,
      db: { host: server.host, port: server.port, user: login.role, password: login.password },
      database: name,
      modules,
      dataDir: work,
      user: owner && { uid: owner.uid, gid: owner.gid },
    });
    const partial = `${made.dump}.partial`;
    await runPgToolAsLoader(server, login, 'pg_dump', ['--format=custom'], {
      stdout: createWriteStream(partial),
    });
    await rm(made.filestore, { recursive: true, force: true });
    const files = path.join(work, 'filestore', name);
    if (await exists(files)) await rename(files, made.filestore);
    else await mkdir(made.filestore);
    await rename(partial, made.dump);
  } finally {
    await dropLeftovers().catch((err: Error) =>
      app.log.warn({ err: err.message }, 'could not drop the demo build database'),
    );
    await rm(work, { recursive: true, force: true });
  }
  app.log.info(
    { series: source.series, modules: modules.length, ms: Date.now() - started },
    `the demo's Odoo ${source.series} database is made`,
  );
  return made;
}

/**
 * The Odoo-made templates of a server for the series of `versions` it has an Odoo for (series it
 * has none for are missing from the answer: today's schema templates serve them). Each is
 * loaded from the data folder's archive as a template on the server (ensureTemplateFromDump).
 */
export async function odooDemoTemplates(
  app: App,
  server: HostingServerRow,
  versions: string[],
): Promise<Map<OdooSeries, OdooDemoTemplate>> {
  const cacheDir = path.join(app.config.dataDir, 'odoo-templates');
  await mkdir(cacheDir, { recursive: true });
  const series = [...new Set(versions.map(odooSeries))];
  const found = new Map<OdooSeries, OdooDemoTemplate>();
  await Promise.all(
    series.map(async (s) => {
      const source = await odooSourceOf(app.config, server.name, s);
      if (!source) return;
      const made = await odooMadeDump(app, server, source, cacheDir);
      await ensureTemplateFromDump(app, server, odooTemplateName(s), made.dump, made.key);
      found.set(s, { template: odooTemplateName(s), filestore: made.filestore });
    }),
  );
  return found;
}
