import type pg from 'pg';
import {
  deleteConfigParameter,
  getConfigParameter,
  odooDatetime,
  setConfigParameter,
} from '../tenant/config-parameters.js';
import { giveNewIdentity } from '../tenant/identity.js';
import { neutralizeDatabase } from '../tenant/neutralize.js';

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
}

/**
 * Makes a database made from another one's data its own, in the caller's tenant transaction
 * (all of it or nothing, so the uuid check below is a sound "already done"): neutralized when
 * it is a test copy, a new identity as Odoo gives one, the expiration parameters of its row,
 * and no database.enterprise_code: a copy never claims the source's subscription (an import
 * gets its own when the customer subscribes on the platform).
 */
export async function makeItsOwn(client: pg.ClientBase, copy: CopyIdentity): Promise<void> {
  if (await isOwnCopy(client, copy.uuid, copy.neutralize)) return;
  if (copy.neutralize) await neutralizeDatabase(client, copy.version);
  await giveNewIdentity(client, { uuid: copy.uuid, now: copy.now });
  await setConfigParameter(client, 'database.expiration_date', odooDatetime(copy.expireDate));
  await setConfigParameter(client, 'database.expiration_reason', 'trial');
  await deleteConfigParameter(client, 'database.enterprise_code');
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
