import type pg from 'pg';
import type { DatabaseUsage } from '../metabase/schema.js';
import { odooDatetime } from './config-parameters.js';
import { addDays } from '../dates.js';

const ACTIVE_DAYS = 15;

/**
 * The usage Odoo's publisher-warranty ping reports (addons/mail/models/update.py `_get_message`):
 * active users (share users included), those with a login (res_users_log, what login_date
 * relates to) in the last 15 days, the same two for share users, applications installed or
 * being upgraded/removed, and three ICP values. `version` is the series (release.serie), which
 * the database records as the first parts of base's latest_version (`17.0.1.3` → `17.0`); Odoo
 * sends release.version, which may carry its build too (`16.0-20240216`) and no database records.
 */
export async function readUsage(client: pg.ClientBase, now: Date): Promise<DatabaseUsage> {
  const limitDate = odooDatetime(addDays(now, -ACTIVE_DAYS));
  const { rows } = await client.query<{
    users: number;
    active_users: number;
    share_users: number;
    active_share_users: number;
    apps: string[];
    base_version: string | null;
    create_date: string | null;
    enterprise_code: string | null;
  }>(
    `WITH u AS (
        SELECT u.share,
               EXISTS (SELECT 1 FROM res_users_log l WHERE l.create_uid = u.id AND l.create_date >= $1::timestamp) AS recent
          FROM res_users u WHERE u.active
     )
     SELECT (SELECT count(*) FROM u)::int AS users,
            (SELECT count(*) FROM u WHERE recent)::int AS active_users,
            (SELECT count(*) FROM u WHERE share)::int AS share_users,
            (SELECT count(*) FROM u WHERE share AND recent)::int AS active_share_users,
            coalesce((SELECT array_agg(name::text ORDER BY name) FROM ir_module_module
                       WHERE application AND state IN ('installed', 'to upgrade', 'to remove')), '{}') AS apps,
            (SELECT latest_version FROM ir_module_module WHERE name = 'base') AS base_version,
            (SELECT value FROM ir_config_parameter WHERE key = 'database.create_date') AS create_date,
            (SELECT value FROM ir_config_parameter WHERE key = 'database.enterprise_code') AS enterprise_code`,
    [limitDate],
  );
  const r = rows[0];
  return {
    users: r.users,
    activeUsers: r.active_users,
    shareUsers: r.share_users,
    activeShareUsers: r.active_share_users,
    apps: r.apps,
    version: r.base_version ? r.base_version.split('.').slice(0, -2).join('.') || r.base_version : null,
    createDate: r.create_date,
    enterpriseCode: r.enterprise_code,
  };
}
