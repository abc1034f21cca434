import { randomUUID } from 'node:crypto';
import type { App } from '../../src/app.js';
import { demoDatabases, type DemoMetabaseRow, type DemoTenant } from '../../src/demo/catalog.js';
import { seedTenantDatabase } from '../../src/demo/seed-tenant.js';
import { findDatabase, insertDatabases } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow, HostingServerRow } from '../../src/metabase/schema.js';
import { EMBEDDED_SERVER } from '../../src/platform.js';

let counter = 0;

export interface TestTenantOptions {
  /** The demo database whose tenant data is copied (default acme-bakery: a 17.0 trial with extra apps). */
  base?: string;
  metabase?: Partial<Omit<DemoMetabaseRow, 'name' | 'uuid'>>;
  tenant?: Partial<DemoTenant>;
  /** A readable prefix for the generated name. */
  prefix?: string;
  /** An exact name instead of a generated one. */
  name?: string;
  /** The hosting server that holds it (default: the first embedded one). */
  server?: string;
}

export async function embeddedServer(app: App, name: string = EMBEDDED_SERVER): Promise<HostingServerRow> {
  const server = await app.metabase
    .selectFrom('hosting_server')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return server;
}

/**
 * A real tenant database of its own, for a test that changes things: copied from a demo
 * database's spec under a unique name and uuid, with its filestore and its metabase row.
 */
export async function createTestTenant(app: App, options: TestTenantOptions = {}): Promise<DatabaseRow> {
  const base = demoDatabases(app.now()).find((d) => d.metabase.name === (options.base ?? 'acme-bakery'));
  if (!base) throw new Error(`no demo database ${options.base}`);
  const name = options.name ?? `${options.prefix ?? 't'}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const spec = {
    metabase: { ...base.metabase, duplicate_of: null, ...options.metabase, name, uuid: randomUUID() },
    tenant: { ...base.tenant, ...options.tenant },
  };
  const server = await embeddedServer(app, options.server);
  await app.tenants.withCluster(server.id, (admin) =>
    seedTenantDatabase(admin, app.secret, spec, server.filestore_root),
  );
  await insertDatabases(app.metabase, [{ ...spec.metabase, server_id: server.id }]);
  return (await findDatabase(app.metabase, name))!;
}
