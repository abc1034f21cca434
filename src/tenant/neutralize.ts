import type pg from 'pg';
import { odooSeries, type OdooSeries } from './odoo-version.js';

/**
 * Odoo's neutralization, as data per version: odoo/modules/neutralize.py runs, for every module
 * in state installed / to upgrade / to remove, that module's `data/neutralize.sql` of the
 * database's branch. Each statement below is the effect of one rule of those files, with the
 * file it comes from. A neutralized copy never sends mail, fetches mail, charges cards, spends
 * the customer's IAP credits, runs scheduled actions, calls webhooks or claims the domain.
 */
interface ModuleNeutralization {
  /** The Odoo file the statements reproduce. */
  source: string;
  statements: string[];
}

// odoo/addons/base/data/neutralize.sql
const BASE_MAIL_SERVERS = [
  `UPDATE ir_mail_server SET active = false`,
  // A dummy server so that no fallback server given on the command line is used. Every NOT NULL
  // column is set: smtp_authentication and smtp_encryption are required since 15.0.
  `INSERT INTO ir_mail_server (name, smtp_port, smtp_host, smtp_encryption, active, smtp_authentication)
   VALUES ('neutralization - disable emails', 1025, 'invalid', 'none', true, 'login')`,
];
const BASE_FLAG = `INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', 'true')
   ON CONFLICT (key) DO UPDATE SET value = 'true'`;

const BASE_16: ModuleNeutralization = {
  source: 'odoo/addons/base/data/neutralize.sql (16.0)',
  statements: [
    ...BASE_MAIL_SERVERS,
    // 16.0 matches the autovacuum job by name only.
    `UPDATE ir_cron SET active = false
      WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND name = 'autovacuum_job')`,
    BASE_FLAG,
  ],
};

const BASE_17_18: ModuleNeutralization = {
  source: 'odoo/addons/base/data/neutralize.sql (17.0, 18.0)',
  statements: [
    ...BASE_MAIL_SERVERS,
    `UPDATE ir_cron SET active = false
      WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND module = 'base')`,
    BASE_FLAG,
    // Server actions of state 'webhook' exist from 17.0 on.
    `UPDATE ir_act_server SET webhook_url = 'neutralization - disable webhook' WHERE state = 'webhook'`,
  ],
};

const WEB: ModuleNeutralization = {
  source: 'addons/web/data/neutralize.sql (16.0, 17.0, 18.0)',
  statements: [`UPDATE ir_ui_view SET active = true WHERE key = 'web.neutralize_banner'`],
};

const MAIL_TEMPLATE = `UPDATE mail_template SET mail_server_id = NULL`;
const MAIL_FETCHMAIL = `UPDATE fetchmail_server SET active = false`;
const MAIL_WEB_PUSH = [
  `TRUNCATE mail_notification_web_push`,
  `TRUNCATE mail_partner_device CASCADE`,
];

const MAIL_16: ModuleNeutralization = {
  source: 'addons/mail/data/neutralize.sql (16.0)',
  statements: [MAIL_TEMPLATE],
};
const MAIL_17: ModuleNeutralization = {
  source: 'addons/mail/data/neutralize.sql (17.0: fetchmail merged into mail, web push)',
  statements: [
    MAIL_TEMPLATE,
    MAIL_FETCHMAIL,
    `DELETE FROM ir_config_parameter WHERE key IN ('mail.web_push_vapid_private_key', 'mail.web_push_vapid_public_key')`,
    ...MAIL_WEB_PUSH,
  ],
};
const MAIL_18: ModuleNeutralization = {
  source: 'addons/mail/data/neutralize.sql (18.0: also the SFU server key)',
  statements: [
    MAIL_TEMPLATE,
    MAIL_FETCHMAIL,
    `DELETE FROM ir_config_parameter
      WHERE key IN ('mail.web_push_vapid_private_key', 'mail.web_push_vapid_public_key', 'mail.sfu_server_key')`,
    ...MAIL_WEB_PUSH,
  ],
};

const FETCHMAIL_16: ModuleNeutralization = {
  source: 'addons/fetchmail/data/neutralize.sql (16.0 only; the module is merged into mail in 17.0)',
  statements: [MAIL_FETCHMAIL],
};

const IAP: ModuleNeutralization = {
  source: 'addons/iap/data/neutralize.sql (16.0, 17.0, 18.0)',
  statements: [`UPDATE iap_account SET account_token = REGEXP_REPLACE(account_token, '(\\+.*)?$', '+disabled')`],
};

const PAYMENT: ModuleNeutralization = {
  source: 'addons/payment/data/neutralize.sql (16.0, 17.0, 18.0)',
  statements: [`UPDATE payment_provider SET state = 'disabled' WHERE state NOT IN ('test', 'disabled')`],
};

const WEBSITE_DOMAIN_RIBBON_CDN = [
  `UPDATE website SET domain = NULL`,
  `UPDATE ir_ui_view SET active = true WHERE key = 'website.neutralize_ribbon'`,
  `UPDATE website SET cdn_activated = false`,
];
const WEBSITE_16: ModuleNeutralization = {
  source: 'addons/website/data/neutralize.sql (16.0)',
  statements: WEBSITE_DOMAIN_RIBBON_CDN,
};
const WEBSITE_17_18: ModuleNeutralization = {
  source: 'addons/website/data/neutralize.sql (17.0, 18.0: robots.txt too)',
  statements: [...WEBSITE_DOMAIN_RIBBON_CDN, `UPDATE website SET robots_txt = E'User-agent: *\\nDisallow: /'`],
};

/**
 * Per series, the modules that ship a data/neutralize.sql, in dependency order (base first).
 * Odoo runs them in whatever order its unsorted SELECT returns; their statements touch
 * disjoint rows, so the order cannot change the result: a fixed one keeps ours reproducible.
 * Modules without the file (bus, auth_signup, auth_oauth, web_enterprise, mass_mailing...)
 * have no entry.
 */
export const NEUTRALIZATION: Record<OdooSeries, [module: string, rules: ModuleNeutralization][]> = {
  '16.0': [
    ['base', BASE_16],
    ['web', WEB],
    ['mail', MAIL_16],
    ['fetchmail', FETCHMAIL_16],
    ['iap', IAP],
    ['payment', PAYMENT],
    ['website', WEBSITE_16],
  ],
  '17.0': [
    ['base', BASE_17_18],
    ['web', WEB],
    ['mail', MAIL_17],
    ['iap', IAP],
    ['payment', PAYMENT],
    ['website', WEBSITE_17_18],
  ],
  '18.0': [
    ['base', BASE_17_18],
    ['web', WEB],
    ['mail', MAIL_18],
    ['iap', IAP],
    ['payment', PAYMENT],
    ['website', WEBSITE_17_18],
  ],
};

/** The modules whose neutralization applies to a database: Odoo's own selection. */
async function neutralizableModules(db: pg.ClientBase): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')`,
  );
  return new Set(rows.map((r) => r.name));
}

/**
 * Runs inside the caller's transaction, like Odoo's neutralize_database(cr). `version` is the
 * database's Odoo version ('16.0', '17.0', 'saas~17.4', '18.0'); saas~17.x follows 17.0.
 */
export async function neutralizeDatabase(db: pg.ClientBase, version: string): Promise<void> {
  const installed = await neutralizableModules(db);
  for (const [module, rules] of NEUTRALIZATION[odooSeries(version)]) {
    if (!installed.has(module)) continue;
    for (const statement of rules.statements) await db.query(statement);
  }
}
