import type pg from 'pg';
import type { App } from '../app.js';
import { handOverDatabase } from '../hosting/tenant-role.js';
import type { HostingServerRow } from '../metabase/schema.js';

export interface Adoption {
  /** The database's name on the cluster now (a scratch name while it is being built). */
  database: string;
  /** The tenant it is or becomes: its role takes the database and everything in it. */
  tenant: string;
  /** The role that owns its objects now: a loader, the template role, a duplicate's source. */
  from: string;
  /** Runs as the tenant's role on the database once it owns everything (before `from` lets go). */
  then?: (client: pg.Client) => Promise<void>;
}

/** Makes a database of `server` its tenant's (see handOverDatabase). */
export function adoptDatabase(app: App, server: HostingServerRow, adoption: Adoption): Promise<void> {
  const owner = { ...app.tenants.tenantLogin(adoption.tenant), database: adoption.database };
  return app.tenants.withCluster(server.id, (admin) =>
    handOverDatabase(admin, server, owner, adoption.from, adoption.then),
  );
}
