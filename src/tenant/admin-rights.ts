import type pg from 'pg';
import { Conflict } from '../errors.js';

const SETTINGS_GROUPS = ['group_system', 'group_erp_manager', 'group_user'] as const;

export class MissingGroups extends Conflict {
  constructor(xmlIds: string[]) {
    super(
      `The database has no ${xmlIds.join(', ')} in ir_model_data: its base module is damaged, admin rights cannot be reset.`,
    );
  }
}

export interface GrantedGroup {
  id: number;
  xmlId: string | null;
  name: string | null;
  /** False when the user already was a member. */
  added: boolean;
}

/**
 * Puts the user back into base.group_system, the groups it names (group_erp_manager,
 * group_user) and every group those imply (res_groups_implied_rel, transitively: 17+ adds
 * group_sanitize_override). Groups are found through ir_model_data, never by id. Odoo keeps
 * implied groups on the user too, so all of them are written. Runs in the caller's transaction.
 */
export async function grantSettingsGroups(client: pg.ClientBase, uid: number): Promise<GrantedGroup[]> {
  const { rows: found } = await client.query<{ name: string }>(
    `SELECT name FROM ir_model_data
      WHERE model = 'res.groups' AND module = 'base' AND name IN ('group_system', 'group_erp_manager', 'group_user')`,
  );
  const missing = SETTINGS_GROUPS.filter((g) => !found.some((f) => f.name === g));
  if (missing.length) throw new MissingGroups(missing.map((g) => `base.${g}`));
  const { rows } = await client.query<{
    id: number;
    xml_id: string | null;
    name: string | null;
    added: boolean;
  }>(
    `WITH RECURSIVE base_groups AS (
        SELECT res_id AS gid FROM ir_model_data
         WHERE model = 'res.groups' AND module = 'base' AND name IN ('group_system', 'group_erp_manager', 'group_user')
     ), closure AS (
        SELECT gid FROM base_groups
        UNION
        SELECT i.hid FROM res_groups_implied_rel i JOIN closure c ON i.gid = c.gid
     ), inserted AS (
        INSERT INTO res_groups_users_rel (gid, uid)
        SELECT gid, $1 FROM closure
        ON CONFLICT DO NOTHING
        RETURNING gid
     )
     SELECT g.id, x.module || '.' || x.name AS xml_id, g.name ->> 'en_US' AS name,
            g.id IN (SELECT gid FROM inserted) AS added
       FROM res_groups g JOIN closure c ON c.gid = g.id
       LEFT JOIN ir_model_data x ON x.model = 'res.groups' AND x.res_id = g.id
      ORDER BY g.id`,
    [uid],
  );
  // share is a stored compute (not in group_user); a member of group_user is an internal user.
  await client.query(
    `UPDATE res_users SET share = false, write_date = now() at time zone 'UTC' WHERE id = $1`,
    [uid],
  );
  return rows.map((r) => ({ id: r.id, xmlId: r.xml_id, name: r.name, added: r.added }));
}

/**
 * Tells the Odoo workers to drop their caches (ormcache of groups and access rights). Odoo 16
 * has one sequence `base_cache_signaling`, 17+ one per cache (`base_cache_signaling_groups`...);
 * bumping whichever exist is what Odoo itself does after a change.
 */
export async function signalCacheInvalidation(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND n.nspname = current_schema() AND c.relname LIKE 'base\\_cache\\_signaling%'`,
  );
  for (const { name } of rows) await client.query('SELECT nextval($1::regclass)', [name]);
}
