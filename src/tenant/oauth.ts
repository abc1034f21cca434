import type pg from 'pg';

/**
 * Whether the database has auth_oauth's table: most imported on-premise databases do not have
 * the module, and their Tools page and copies must work all the same.
 */
async function hasOauthProviders(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass('public.auth_oauth_provider') AS t`);
  return rows[0].t !== null;
}

/** The platform's own provider: the row behind the xml id auth_oauth.provider_openerp (none without auth_oauth). */
export async function platformProviderId(client: pg.ClientBase): Promise<number | undefined> {
  if (!(await hasOauthProviders(client))) return undefined;
  const { rows } = await client.query<{ res_id: number }>(
    `SELECT x.res_id FROM ir_model_data x JOIN auth_oauth_provider p ON p.id = x.res_id
      WHERE x.model = 'auth.oauth.provider' AND x.module = 'auth_oauth' AND x.name = 'provider_openerp'`,
  );
  return rows[0]?.res_id;
}

export interface OauthProvider {
  id: number;
  name: string;
}

/** Every OAuth provider of the database (auth_oauth_provider), enabled or not: a user may be linked to any. */
export async function listOauthProviders(client: pg.ClientBase): Promise<OauthProvider[]> {
  if (!(await hasOauthProviders(client))) return [];
  const { rows } = await client.query<OauthProvider>('SELECT id, name FROM auth_oauth_provider ORDER BY id');
  return rows;
}

/**
 * Links the user: auth_oauth's (oauth_provider_id, oauth_uid) pair, unique per database. The
 * access token belonged to the previous link (another provider's session): it goes with it.
 */
export async function setOauthLink(
  client: pg.ClientBase,
  uid: number,
  providerId: number,
  oauthUid: string,
): Promise<void> {
  await client.query(
    `UPDATE res_users SET oauth_provider_id = $2, oauth_uid = $3, oauth_access_token = NULL,
            write_date = now() at time zone 'UTC'
      WHERE id = $1`,
    [uid, providerId, oauthUid],
  );
}

export async function clearOauthLink(client: pg.ClientBase, uid: number): Promise<void> {
  await client.query(
    `UPDATE res_users SET oauth_provider_id = NULL, oauth_uid = NULL, oauth_access_token = NULL,
            write_date = now() at time zone 'UTC'
      WHERE id = $1`,
    [uid],
  );
}

/** Who else in this database already holds that (provider, uid): the unique constraint would refuse. */
export async function oauthUidHolder(
  client: pg.ClientBase,
  providerId: number,
  oauthUid: string,
): Promise<{ id: number; login: string } | undefined> {
  const { rows } = await client.query<{ id: number; login: string }>(
    'SELECT id, login FROM res_users WHERE oauth_provider_id = $1 AND oauth_uid = $2',
    [providerId, oauthUid],
  );
  return rows[0];
}
