import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { App } from '../app.js';
import { hashPassword } from '../agents/password.js';
import { upsertAgent } from '../metabase/repositories/agents.js';
import { deleteDatabaseRows, insertDatabases } from '../metabase/repositories/databases.js';
import { deleteIapCreditsOf } from '../metabase/repositories/iap-credits.js';
import { getSetting, setSetting } from '../metabase/repositories/settings.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { ensureTenantTemplates, tenantTemplateName } from '../tenant/template.js';
import { odooSeries } from '../tenant/odoo-version.js';
import { odooDemoTemplates } from './odoo-templates.js';
import { demoDatabases, type DemoDatabase } from './catalog.js';
import { dropTenantDatabase, seedTenantDatabases, type TenantOrigin } from './seed-tenant.js';
import { seedTenantOpsDemo } from './seed-tenant-ops.js';
import { seedDemoGitRepos } from './git-repos.js';
import { gitRepoPathsOf } from '../git/repositories.js';
import { linkDemoAdmins } from './seed-admin-links.js';

export const DEMO_AGENTS = [
  { login: 'viewer', name: 'Vera Viewer', level: 0 },
  { login: 'helpdesk', name: 'Hugo Helpdesk', level: 1 },
  { login: 'functional', name: 'Fatima Functional', level: 2 },
  { login: 'technical', name: 'Theo Technical', level: 3 },
  { login: 'saas-office', name: 'Sofia SaaS Office', level: 4 },
  { login: 'infra', name: 'Ivan Infrastructure', level: 5 },
];

/**
 * The demo password: DBTOOLS_DEMO_PASSWORD, else one generated at first start and kept in
 * the data folder (readable by the operator only) so that every start can print it.
 */
async function demoPassword(app: App): Promise<string> {
  if (app.config.demoPassword) return app.config.demoPassword;
  const file = path.join(app.config.dataDir, 'demo-password');
  const saved = await readFile(file, 'utf8').catch(() => '');
  if (saved.trim()) return saved.trim();
  const generated = randomBytes(12).toString('base64url');
  await writeFile(file, generated + '\n', { mode: 0o600 });
  return generated;
}

/**
 * Seeds the demo platform once: real tenant databases built from their version's template, their
 * filestores, their metabase rows and the demo agents. The databases are spread over `servers` as
 * the catalogue says (a catalogue server beyond the list lands on the first). A start killed
 * half-way seeds again from scratch: the marker is written last.
 */
export async function seedDemoPlatform(
  app: App,
  servers: HostingServerRow[],
): Promise<{ password: string; seeded: boolean }> {
  if (!servers.length) throw new Error('the demo needs a hosting server');
  const password = await demoPassword(app);
  // Every start (a data folder seeded before the checkouts existed gets them too), beside the
  // tenant seeding. The catch only keeps a failed seeding from leaving it unobserved: it is awaited.
  const checkouts = Promise.all(servers.map((s) => seedDemoGitRepos(gitRepoPathsOf(app.config, s.name), app.now())));
  checkouts.catch(() => undefined);
  if (await getSetting(app.metabase, 'demo_seeded')) {
    await checkouts;
    return { password, seeded: false };
  }
  const started = Date.now();
  const all = demoDatabases(app.now());
  const placed = servers
    .map((server, i) => ({ server, specs: all.filter((s) => (s.server < servers.length ? s.server : 0) === i) }))
    .filter((p) => p.specs.length);
  await Promise.all(placed.map(({ server, specs }) => seedServer(app, server, specs)));
  const hash = await hashPassword(password);
  await app.metabase.transaction().execute(async (tx) => {
    await deleteDatabaseRows(
      tx,
      all.map((s) => s.metabase.name),
    );
    for (const { server, specs } of placed) {
      await insertDatabases(
        tx,
        specs.map((s) => ({ ...s.metabase, server_id: server.id })),
      );
    }
    for (const agent of DEMO_AGENTS) await upsertAgent(tx, { ...agent, password_hash: hash });
    await deleteIapCreditsOf(
      tx,
      all.map((s) => s.metabase.name),
    );
    for (const { server, specs } of placed) {
      await seedTenantOpsDemo(app, tx, server, specs);
      await linkDemoAdmins(app, tx, server, specs);
    }
    await setSetting(tx, 'demo_seeded', new Date().toISOString());
  });
  await checkouts;
  app.log.info(
    { databases: all.length, servers: placed.map((p) => `${p.server.name}: ${p.specs.length}`), ms: Date.now() - started },
    'demo platform seeded',
  );
  return { password, seeded: true };
}

/**
 * One hosting server's share of the demo: its templates, then its tenant databases afresh. A series
 * the server has an Odoo for is copied from the database Odoo made for the demo (odoo-templates.ts),
 * the others from today's schema templates.
 */
async function seedServer(app: App, server: HostingServerRow, specs: DemoDatabase[]): Promise<void> {
  const versions = specs.map((s) => s.metabase.version);
  const odoo = await odooDemoTemplates(app, server, versions);
  const rest = versions.filter((v) => !odoo.has(odooSeries(v)));
  if (rest.length) await app.tenants.withCluster(server.id, (admin) => ensureTenantTemplates(admin, rest));
  await app.tenants.withCluster(server.id, async (admin) => {
    for (const spec of specs) await dropTenantDatabase(admin, spec.metabase.name, server.filestore_root);
  });
  await seedTenantDatabases(
    async () => {
      const client = new pg.Client(app.tenants.clusterConfig(server));
      await client.connect();
      return client;
    },
    app.secret,
    specs,
    server.filestore_root,
    (spec): TenantOrigin => {
      const made = odoo.get(odooSeries(spec.metabase.version));
      return made
        ? { template: made.template, odooFilestore: made.filestore }
        : { template: tenantTemplateName(spec.metabase.version) };
    },
  );
}
