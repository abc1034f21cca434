import type { OperationContext } from './define.js';
import { updateDatabase } from '../metabase/repositories/databases.js';
import { odooDatetime, setConfigParameter } from '../tenant/config-parameters.js';
import type { DatabaseRow } from '../metabase/schema.js';

/**
 * Odoo keeps its own copy of the expiry (ICP database.expiration_date, shown in its banner):
 * the tenant is written first, the metabase row commits with the support-log entry.
 */
export async function setTrialExpiration(
  ctx: OperationContext<unknown>,
  changes: { expire_date: Date; extra_apps?: boolean },
): Promise<DatabaseRow> {
  await ctx.app.tenants.withTenant(ctx.database, async (client) => {
    await setConfigParameter(client, 'database.expiration_date', odooDatetime(changes.expire_date));
    await setConfigParameter(client, 'database.expiration_reason', 'trial');
  });
  return updateDatabase(ctx.tx, ctx.database.name, changes);
}
