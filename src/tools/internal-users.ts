import type { App } from '../app.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { listInternalUsers, type InternalUser } from '../tenant/users.js';

/** The tenant's internal users, read once per page load however many sections show them. */
export function pageInternalUsers(app: App, database: DatabaseRow): Promise<InternalUser[]> {
  return app.tenants.readOnce(`internal users ${database.server_id}/${database.name}`, () =>
    app.tenants.withTenant(database, listInternalUsers),
  );
}
