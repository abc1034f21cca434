import type pg from 'pg';
import {
  deleteConfigParameter,
  getConfigParameter,
  odooDatetime,
  setConfigParameter,
} from '../tenant/config-parameters.js';
import { giveNewIdentity } from '../tenant/identity.js';
import { neutralizeCopy, type NeutralizationReport } from './neutralization.js';

export interface CopyIdentity {
  /** The new database.uuid, the same as the reserved metabase row's. */
  uuid: string;
  now: Date;
  /** The row's expire_date: the database's expiration parameters say the same. */
  expireDate: Date;
  /** The database's Odoo series, for the neutralization. */
  version: string;
  /** A test copy is neutralized; an import (the customer's own database, moving in) is not. */
  neutralize: boolean;
  /**
   * The addons path of the server's Odoo for this version (src/odoo/addons-paths.ts), asked only
   * when the copy is neutralized; none (or undefined) uses dbtools' ported rules.
   */
  odooSource?: () => Promise<string[] | undefined>;
}

/**
 * Makes a database made from another one's data its own, in the caller's tenant transaction
 * (all of it or nothing, so the uuid check below is a sound "already done"): neutralized when
 * it is a test copy, a new identity as Odoo gives one, the expiration parameters of its row,
 * and no database.enterprise_code: a copy never claims the source's subscription (an import
 * gets its own when the customer subscribes on the platform). Answers how the copy was
 * neutralized (undefined: not neutralized now, either an import or already done).
 */
export async function makeItsOwn(client: pg.ClientBase, copy: CopyIdentity): Promise<NeutralizationReport | undefined> {
  if (await isOwnCopy(client, copy.uuid, copy.neutralize)) return undefined;
  const report = copy.neutralize
    ? await neutralizeCopy(client, copy.version, await copy.odooSource?.())
    : undefined;
  await giveNewIdentity(client, { uuid: copy.uuid, now: copy.now });
  await setConfigParameter(client, 'database.expiration_date', odooDatetime(copy.expireDate));
  await setConfigParameter(client, 'database.expiration_reason', 'trial');
  await deleteConfigParameter(client, 'database.enterprise_code');
  return report;
}

async function isOwnCopy(client: pg.ClientBase, uuid: string, neutralized: boolean): Promise<boolean> {
  const [own, flag] = await Promise.all([
    getConfigParameter(client, 'database.uuid'),
    getConfigParameter(client, 'database.is_neutralized'),
  ]);
  return own === uuid && (!neutralized || flag === 'true');
}

/** A finished test copy carries its own uuid and the neutralization flag. */
export function isTestCopyOf(client: pg.ClientBase, uuid: string): Promise<boolean> {
  return isOwnCopy(client, uuid, true);
}
