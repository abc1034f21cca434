import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { odooDatetime, setConfigParameter } from './config-parameters.js';

export interface NewIdentity {
  /** The new database.uuid (the metabase row carries the same). */
  uuid: string;
  now: Date;
}

/**
 * What `ir.config_parameter.init(force=True)` writes (odoo/addons/base/models/ir_config_parameter.py,
 * the same `_default_parameters` in 16.0, 17.0 and 18.0): init(force) sets EVERY default
 * parameter, not only the identity ones. So a copy also gets web.base.url back to
 * `http://localhost:<http_port>` (8069, Odoo's default port; Odoo rewrites it at the next
 * administrator login unless web.base.url.freeze is set) and the login cooldown settings back
 * to 10 attempts / 60 seconds.
 */
export const ODOO_DEFAULT_WEB_BASE_URL = 'http://localhost:8069';

/**
 * A copied database's new identity, as Odoo gives one (restore with copy=True, duplicate):
 * `ir.config_parameter.init(force=True)` (new database.secret, database.uuid, database.create_date
 * and the other default parameters), then auth_oauth's override of init
 * (addons/auth_oauth/models/ir_config_parameter.py, 16.0-18.0): the record
 * `auth_oauth.provider_openerp` gets the new uuid as client_id, when auth_oauth is installed. Nothing else: Odoo keeps
 * database.enterprise_code and the expiration parameters; what a test copy does with them is
 * the platform's rule, not Odoo's (see copy-identity.ts). Runs in the caller's tenant transaction.
 */
export async function giveNewIdentity(client: pg.ClientBase, identity: NewIdentity): Promise<void> {
  const defaults: [string, string][] = [
    ['database.secret', randomUUID()],
    ['database.uuid', identity.uuid],
    ['database.create_date', odooDatetime(identity.now)],
    ['web.base.url', ODOO_DEFAULT_WEB_BASE_URL],
    ['base.login_cooldown_after', '10'],
    ['base.login_cooldown_duration', '60'],
  ];
  for (const [key, value] of defaults) await setConfigParameter(client, key, value);
  if (await isModuleLoaded(client, 'auth_oauth')) await giveProviderNewClientId(client, identity.uuid);
}

/**
 * Whether Odoo's registry loads a module's code (and so its overrides): installed, to upgrade or
 * to remove (odoo/modules/loading.py). A database without auth_oauth (most imported on-premise
 * ones) has no auth_oauth_provider table at all.
 */
async function isModuleLoaded(client: pg.ClientBase, module: string): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM ir_module_module WHERE name = $1 AND state IN ('installed', 'to upgrade', 'to remove')`,
    [module],
  );
  return rows.length > 0;
}

/** auth_oauth's init override: `env.ref('auth_oauth.provider_openerp')` gets the new uuid, when it exists. */
async function giveProviderNewClientId(client: pg.ClientBase, uuid: string): Promise<void> {
  await client.query(
    `UPDATE auth_oauth_provider SET client_id = $1, write_date = now() at time zone 'UTC'
      WHERE id IN (SELECT res_id FROM ir_model_data
                    WHERE model = 'auth.oauth.provider' AND module = 'auth_oauth' AND name = 'provider_openerp')`,
    [uuid],
  );
}
