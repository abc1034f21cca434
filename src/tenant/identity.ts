import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { odooDatetime, setConfigParameter } from './config-parameters.js';

export interface NewIdentity {
  /** The new database.uuid (the metabase row carries the same). */
  uuid: string;
  now: Date;
}

/**
 * What Odoo's `ir.config_parameter.init(force=True)` gives a copied database, and what the
 * modules extending it add: a new database.uuid, database.secret and database.create_date,
 * and auth_oauth's platform provider (`auth_oauth.provider_openerp`) whose client_id is the uuid.
 * Runs in the caller's tenant transaction.
 */
export async function giveNewIdentity(client: pg.ClientBase, identity: NewIdentity): Promise<void> {
  await setConfigParameter(client, 'database.uuid', identity.uuid);
  await setConfigParameter(client, 'database.secret', randomUUID());
  await setConfigParameter(client, 'database.create_date', odooDatetime(identity.now));
  await client.query(
    `UPDATE auth_oauth_provider SET client_id = $1
      WHERE id IN (SELECT res_id FROM ir_model_data
                    WHERE model = 'auth.oauth.provider' AND module = 'auth_oauth' AND name = 'provider_openerp')`,
    [identity.uuid],
  );
}
