import type { App } from '../app.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { insertPing } from '../metabase/repositories/pings.js';
import type { DatabaseUsage } from '../metabase/schema.js';
import { readUsage } from '../tenant/usage.js';

export type PingResult = { status: 'OK'; usage: DatabaseUsage } | { status: 'KO'; reason: string };

/**
 * Reads a database's usage as Odoo's update notification reports it and records it with the
 * time. A tenant that cannot be reached (database gone, cluster down, schema broken) is a
 * `KO` ping, recorded and logged too: a ping never fails, it reports. The schedule calls this
 * for every database; the `ping` operation passes its transaction as `store`.
 */
export async function pingDatabase(
  app: App,
  db: { name: string; server_id: number },
  store: MetabaseDb = app.metabase,
): Promise<PingResult> {
  const at = app.now();
  let result: PingResult;
  try {
    const usage = await app.tenants.withTenant(db, (client) => readUsage(client, at));
    result = { status: 'OK', usage };
  } catch (e) {
    const reason = (e as Error).message || String(e);
    app.log.warn({ database: db.name, reason }, 'ping KO');
    result = { status: 'KO', reason };
  }
  await insertPing(store, { database: db.name, at, ...result });
  return result;
}
