import type pg from 'pg';

export interface TenantIapAccount {
  id: number;
  service: string | null;
  /** The full token: callers mask it before it leaves the server. */
  accountToken: string | null;
  companies: { id: number; name: string }[];
}

/**
 * iap_account with its service and companies. Odoo 18 no longer stores service_name: it is
 * the related iap_service.technical_name through service_id.
 */
export async function listIapAccounts(client: pg.ClientBase, id?: number): Promise<TenantIapAccount[]> {
  // The catalog itself, not information_schema's views (a page reads this on every load).
  const { rows: cols } = await client.query<{ column_name: string }>(
    `SELECT attname AS column_name FROM pg_attribute
      WHERE attrelid = to_regclass('iap_account') AND attname IN ('service_name', 'service_id') AND NOT attisdropped`,
  );
  const names = new Set(cols.map((c) => c.column_name));
  const service = names.has('service_name')
    ? 'a.service_name'
    : names.has('service_id')
      ? '(SELECT s.technical_name FROM iap_service s WHERE s.id = a.service_id)'
      : 'NULL::varchar';
  const { rows } = await client.query<{
    id: number;
    service: string | null;
    account_token: string | null;
    companies: { id: number; name: string }[];
  }>(
    `SELECT a.id, ${service} AS service, a.account_token,
            coalesce((SELECT json_agg(json_build_object('id', c.id, 'name', c.name) ORDER BY c.id)
                        FROM iap_account_res_company_rel r JOIN res_company c ON c.id = r.res_company_id
                       WHERE r.iap_account_id = a.id), '[]') AS companies
       FROM iap_account a
      WHERE $1::int IS NULL OR a.id = $1
      ORDER BY a.id`,
    [id ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    service: r.service,
    accountToken: r.account_token,
    companies: r.companies,
  }));
}
