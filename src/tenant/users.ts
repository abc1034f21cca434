import type pg from 'pg';

/**
 * Users a person can sign in as: not the superuser, not Odoo's template users, not portal or
 * public users (share = true).
 */
const NOT_A_PERSON = `(SELECT res_id FROM ir_model_data
   WHERE model = 'res.users' AND module = 'base'
     AND name IN ('user_root', 'default_user', 'public_user', 'template_portal_user_id'))`;

const GROUP_SYSTEM = `(SELECT res_id FROM ir_model_data WHERE model = 'res.groups' AND module = 'base' AND name = 'group_system')`;

export interface InternalUser {
  id: number;
  login: string;
  /** res_users inherits res_partner: the name lives on the partner. */
  name: string | null;
  active: boolean;
  /** The latest res_users_log row (Odoo's login_date). */
  lastLogin: Date | null;
  /** Member of base.group_system (Settings). */
  isAdmin: boolean;
  /** OAuth fields (auth_oauth). */
  oauthProviderId: number | null;
  oauthUid: string | null;
  /** False when res_users.password is empty: the user can only sign in through OAuth. */
  hasPassword: boolean;
  createDate: Date | null;
}

interface Row {
  id: number;
  login: string;
  name: string | null;
  active: boolean | null;
  last_login: Date | null;
  is_admin: boolean;
  oauth_provider_id: number | null;
  oauth_uid: string | null;
  has_password: boolean;
  create_date: Date | null;
}

function toUser(r: Row): InternalUser {
  return {
    id: r.id,
    login: r.login,
    name: r.name,
    active: r.active ?? false,
    lastLogin: r.last_login,
    isAdmin: r.is_admin,
    oauthProviderId: r.oauth_provider_id,
    oauthUid: r.oauth_uid,
    hasPassword: r.has_password,
    createDate: r.create_date,
  };
}

// Odoo writes naive UTC timestamps; AT TIME ZONE 'UTC' makes them instants whatever the session zone.
const USER_COLUMNS = `u.id, u.login, p.name, u.active,
  (SELECT max(l.create_date) FROM res_users_log l WHERE l.create_uid = u.id) AT TIME ZONE 'UTC' AS last_login,
  EXISTS (SELECT 1 FROM res_groups_users_rel r WHERE r.uid = u.id AND r.gid IN ${GROUP_SYSTEM}) AS is_admin,
  u.oauth_provider_id, u.oauth_uid,
  coalesce(u.password, '') <> '' AS has_password,
  u.create_date AT TIME ZONE 'UTC' AS create_date`;

/** Internal users (share = false), active or not, oldest first. */
export async function listInternalUsers(client: pg.ClientBase): Promise<InternalUser[]> {
  const { rows } = await client.query<Row>(
    `SELECT ${USER_COLUMNS}
       FROM res_users u LEFT JOIN res_partner p ON p.id = u.partner_id
      WHERE NOT coalesce(u.share, false) AND u.id NOT IN ${NOT_A_PERSON}
      ORDER BY u.id`,
  );
  return rows.map(toUser);
}

/** One internal user by id, locked for the rest of the transaction when `forUpdate`. */
export async function findInternalUser(
  client: pg.ClientBase,
  where: { id: number } | { login: string },
  forUpdate = false,
): Promise<InternalUser | undefined> {
  const [cond, value] = 'id' in where ? ['u.id = $1', where.id] : ['u.login = $1', where.login];
  const { rows } = await client.query<Row>(
    `SELECT ${USER_COLUMNS}
       FROM res_users u LEFT JOIN res_partner p ON p.id = u.partner_id
      WHERE ${cond} AND NOT coalesce(u.share, false) AND u.id NOT IN ${NOT_A_PERSON}
      ${forUpdate ? 'FOR UPDATE OF u' : ''}`,
    [value],
  );
  return rows[0] && toUser(rows[0]);
}

/** The database's administrator: base.user_admin when it still exists, else the oldest internal user. */
export async function findDefaultAdmin(client: pg.ClientBase): Promise<InternalUser | undefined> {
  const { rows } = await client.query<{ id: number }>(
    `SELECT u.id FROM res_users u
       LEFT JOIN ir_model_data x ON x.model = 'res.users' AND x.module = 'base' AND x.name = 'user_admin' AND x.res_id = u.id
      WHERE NOT coalesce(u.share, false) AND u.id NOT IN ${NOT_A_PERSON}
      ORDER BY x.id IS NULL, u.create_date NULLS LAST, u.id
      LIMIT 1`,
  );
  return rows[0] && findInternalUser(client, { id: rows[0].id });
}
