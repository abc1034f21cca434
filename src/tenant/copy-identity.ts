import type pg from 'pg';
import { getConfigParameter, odooDatetime, setConfigParameter } from './config-parameters.js';
import { giveNewIdentity } from './identity.js';
import { neutralizeDatabase } from './neutralize.js';

/**
 * Makes a copied database a test copy, in the caller's transaction: Odoo's neutralization and
 * what `ir.config_parameter.init(force=True)` does for a copy (a new database.uuid and
 * database.secret, a new create date), plus the duplicate's own expiry. All of it or nothing:
 * a copy is never half neutralized.
 */
export async function makeTestCopy(
  client: pg.ClientBase,
  copy: { uuid: string; expireDate: Date; now: Date; version: string },
): Promise<void> {
  await neutralizeDatabase(client, copy.version);
  await giveNewIdentity(client, { uuid: copy.uuid, now: copy.now });
  await setConfigParameter(client, 'database.expiration_date', odooDatetime(copy.expireDate));
  await setConfigParameter(client, 'database.expiration_reason', 'trial');
  // The copy must not claim the customer's subscription.
  await client.query(`DELETE FROM ir_config_parameter WHERE key = 'database.enterprise_code'`);
}

/** A finished test copy carries its own uuid and the neutralization flag. */
export async function isTestCopyOf(client: pg.ClientBase, uuid: string): Promise<boolean> {
  const [own, neutralized] = await Promise.all([
    getConfigParameter(client, 'database.uuid'),
    getConfigParameter(client, 'database.is_neutralized'),
  ]);
  return own === uuid && neutralized === 'true';
}
