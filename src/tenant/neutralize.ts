import type pg from 'pg';

/**
 * The part of Odoo's neutralization (each installed module's data/neutralize.sql) that touches
 * tables of the schema subset: a neutralized copy must never send mail, charge cards, call IAP
 * with the customer's credits, run scheduled actions or claim the customer's domain.
 */
const NEUTRALIZE_BY_MODULE: Record<string, string[]> = {
  base: [
    `UPDATE ir_mail_server SET active = false`,
    `INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_encryption, active)
       VALUES ('neutralization - disable emails', 'invalid', 1025, 'none', true)`,
    `UPDATE ir_cron SET active = false
      WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND module = 'base' AND name = 'autovacuum_job')`,
    `INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', 'true')
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
  ],
  web: [
    `UPDATE ir_ui_view SET active = true
      WHERE id IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.ui.view' AND module = 'web' AND name = 'neutralize_banner')`,
  ],
  payment: [`UPDATE payment_provider SET state = 'disabled' WHERE state NOT IN ('test', 'disabled')`],
  iap: [`UPDATE iap_account SET account_token = REGEXP_REPLACE(account_token, '(\\+.*)?$', '+disabled')`],
  website: [
    `UPDATE website SET domain = NULL, cdn_activated = false, robots_txt = 'Disallow: /'`,
    `UPDATE ir_ui_view SET active = true
      WHERE id IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.ui.view' AND module = 'website' AND name = 'neutralize_ribbon')`,
  ],
};

/**
 * Runs inside the caller's transaction, like Odoo's neutralize_database(cr). `version` is the
 * database's Odoo series ('16.0', '17.0', 'saas~17.4', '18.0'): what each module's file does
 * differs between versions.
 */
export async function neutralizeDatabase(db: pg.ClientBase, _version: string): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove') ORDER BY name`,
  );
  for (const { name } of rows) {
    for (const statement of NEUTRALIZE_BY_MODULE[name] ?? []) await db.query(statement);
  }
}
