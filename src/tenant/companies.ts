import type pg from 'pg';

export interface TenantCompany {
  id: number;
  name: string;
  parent: { id: number; name: string } | null;
  currency: string | null;
  active: boolean;
  /** Active internal users allowed in this company (res_company_users_rel). */
  internalUsers: number;
}

export async function listCompanies(client: pg.ClientBase): Promise<TenantCompany[]> {
  const { rows } = await client.query<{
    id: number;
    name: string;
    parent_id: number | null;
    parent_name: string | null;
    currency: string | null;
    active: boolean | null;
    internal_users: number;
  }>(
    `SELECT c.id, c.name, c.parent_id, pc.name AS parent_name, cur.name AS currency, c.active,
            (SELECT count(*) FROM res_company_users_rel r JOIN res_users u ON u.id = r.user_id
              WHERE r.cid = c.id AND u.active AND NOT coalesce(u.share, false)
                AND u.id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'res.users' AND module = 'base'
                                    AND name IN ('user_root', 'default_user', 'public_user', 'template_portal_user_id'))
            )::int AS internal_users
       FROM res_company c
       LEFT JOIN res_company pc ON pc.id = c.parent_id
       LEFT JOIN res_currency cur ON cur.id = c.currency_id
      ORDER BY c.sequence, c.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    parent: r.parent_id === null ? null : { id: r.parent_id, name: r.parent_name ?? '' },
    currency: r.currency,
    active: r.active ?? true,
    internalUsers: r.internal_users,
  }));
}
