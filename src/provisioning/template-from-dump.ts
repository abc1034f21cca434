import pg from 'pg';
import type { App } from '../app.js';
import { quoteDatabaseName, RESERVED_NAME_PREFIX } from '../hosting/database-name.js';
import { dropRoleIfExists } from '../hosting/restore-cluster.js';
import { dropTemplateDatabase, renameDatabase } from '../hosting/cluster-databases.js';
import { ensureTemplateRole, TEMPLATE_ROLE, tenantConnectionConfig } from '../hosting/tenant-role.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { createLoadTargetOn, hostingLoadCluster, loadArchive } from './customer-sql.js';

/** What a template database says it was made from (its comment): a rebuilt dump makes a new template. */
function markerOf(key: string): string {
  return `dbtools template from dump ${key} owned by ${TEMPLATE_ROLE}`;
}


/**
 * Makes `name` a template database on the server from a pg_dump archive (a database made by Odoo),
 * unless one made from the same `key` is there. Loaded the way every dump is: an empty database
 * owned by a loader role of its own, `pg_restore` as that role; its objects then go to the template
 * role (which every tenant's role takes them over from, as from today's templates) with the
 * superuser never connected to it. Built under a scratch name and renamed only when complete, so
 * a start killed half-way leaves no half template under the name; the next start drops the
 * leftover. Concurrent callers serialise on an advisory lock.
 */
export async function ensureTemplateFromDump(
  app: App,
  server: HostingServerRow,
  name: string,
  dumpFile: string,
  key: string,
): Promise<void> {
  const cluster = hostingLoadCluster(app, server);
  const building = `${RESERVED_NAME_PREFIX}template_${name}`.slice(0, 63);
  const loader = `${RESERVED_NAME_PREFIX}template_loader_${name}`.slice(0, 63);
  const marker = markerOf(key);
  await cluster.withAdmin(async (admin) => {
    await admin.query(`SELECT pg_advisory_lock(hashtext('dbtools:template-from-dump:' || $1))`, [name]);
    try {
      const { rows } = await admin.query<{ marker: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = $1 AND datistemplate`,
        [name],
      );
      if (rows[0]?.marker === marker) return;
      await dropTemplateDatabase(admin, building);
      await ensureTemplateRole(admin);
      const login = await createLoadTargetOn(cluster, building, loader, { odooExtensions: true });
      await loadArchive(server, login, dumpFile);
      // The loader hands its objects to the template role from inside (a member of it for that),
      // then keeps nothing: no grant of its own stays in the template.
      await admin.query(`GRANT ${TEMPLATE_ROLE} TO ${pg.escapeIdentifier(loader)}`);
      const client = new pg.Client(tenantConnectionConfig(server, login));
      client.on('error', () => undefined); // surfaced by the pending query instead
      await client.connect();
      try {
        await client.query(`REASSIGN OWNED BY CURRENT_USER TO ${TEMPLATE_ROLE}`);
        await client.query(`DROP OWNED BY CURRENT_USER`);
      } finally {
        await client.end();
      }
      await admin.query(`ALTER DATABASE ${quoteDatabaseName(building)} OWNER TO ${TEMPLATE_ROLE}`);
      await dropRoleIfExists(admin, loader);
      await admin.query(`COMMENT ON DATABASE ${quoteDatabaseName(building)} IS ${pg.escapeLiteral(marker)}`);
      await admin.query(`ALTER DATABASE ${quoteDatabaseName(building)} IS_TEMPLATE true`);
      // Swap only now: an outdated template is replaced, never left half-built.
      await dropTemplateDatabase(admin, name);
      await renameDatabase(admin, building, name);
    } finally {
      await admin.query(`SELECT pg_advisory_unlock(hashtext('dbtools:template-from-dump:' || $1))`, [name]);
    }
  });
}
