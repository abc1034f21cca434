import type pg from 'pg';
import { odooSeries, type OdooSeries } from './odoo-version.js';

/**
 * Our port of Odoo's neutralization, the fallback for a server with no Odoo source configured for
 * the database's series (src/odoo/ runs the deployed source's own files otherwise): Odoo's
 * odoo/modules/neutralize.py runs, for every module in state installed / to upgrade / to remove,
 * that module's `data/neutralize.sql`. Each statement below is the effect of one rule of those
 * files, with the file it comes from, checked against Odoo 16.0, 17.0 and 18.0 (../shared/odoo).
 * Only the modules a hosted database commonly has are ported (their tables are in our tenant
 * templates); every other module's file runs only from a configured Odoo source.
 */
interface ModuleNeutralization {
  /** The Odoo file the statements reproduce. */
  source: string;
  /** Statements, or a function of the database when the tables differ within a series. */
  statements: string[] | ((db: pg.ClientBase) => Promise<string[]>);
}

// odoo/addons/base/data/neutralize.sql
const BASE_MAIL_SERVERS = [
  `UPDATE ir_mail_server SET active = false`,
  // A dummy server so that no fallback server given on the command line is used. Every NOT NULL
  // column is set: smtp_authentication and smtp_encryption are required since 15.0.
  `INSERT INTO ir_mail_server (name, smtp_port, smtp_host, smtp_encryption, active, smtp_authentication)
   VALUES ('neutralization - disable emails', 1025, 'invalid', 'none', true, 'login')`,
];
// The same in 16.0, 17.0 and 18.0: the autovacuum job is matched by module and name.
const BASE_CRONS = `UPDATE ir_cron SET active = false
  WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND module = 'base')`;
const BASE_FLAG = `INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', 'true')
   ON CONFLICT (key) DO UPDATE SET value = 'true'`;

const BASE_16: ModuleNeutralization = {
  source: 'odoo/addons/base/data/neutralize.sql (16.0)',
  statements: [...BASE_MAIL_SERVERS, BASE_CRONS, BASE_FLAG],
};

const BASE_17_18: ModuleNeutralization = {
  source: 'odoo/addons/base/data/neutralize.sql (17.0, 18.0)',
  statements: [
    ...BASE_MAIL_SERVERS,
    BASE_CRONS,
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
// Incoming mail servers belong to mail in every hosted series (16.0 has no fetchmail module).
const MAIL_FETCHMAIL = `UPDATE fetchmail_server SET active = false`;
const MAIL_PUSH_KEYS = `DELETE FROM ir_config_parameter
  WHERE key IN ('mail.web_push_vapid_private_key', 'mail.web_push_vapid_public_key', 'mail.sfu_server_key')`;

/**
 * The web push queue and devices: mail_notification_web_push / mail_partner_device in 17.0,
 * renamed mail_push / mail_push_device in saas~17.1 (so in every saas~17.x we host and in 18.0).
 * A 17.0-series database is asked which it has rather than told by its version string.
 */
async function webPushStatements(db: pg.ClientBase): Promise<string[]> {
  const { rows } = await db.query<{ renamed: boolean }>(
    `SELECT to_regclass('public.mail_push_device') IS NOT NULL AS renamed`,
  );
  return rows[0].renamed
    ? [`TRUNCATE mail_push`, `TRUNCATE mail_push_device CASCADE`]
    : [`TRUNCATE mail_notification_web_push`, `TRUNCATE mail_partner_device CASCADE`];
}

const MAIL_16: ModuleNeutralization = {
  source: 'addons/mail/data/neutralize.sql (16.0)',
  statements: [MAIL_TEMPLATE, MAIL_FETCHMAIL],
};
const MAIL_17_18: ModuleNeutralization = {
  source: 'addons/mail/data/neutralize.sql (17.0, 18.0: web push keys, SFU key, push queue and devices)',
  statements: async (db) => [MAIL_TEMPLATE, MAIL_FETCHMAIL, MAIL_PUSH_KEYS, ...(await webPushStatements(db))],
};

const IAP_16: ModuleNeutralization = {
  source: 'addons/iap/data/neutralize.sql (16.0)',
  statements: [`UPDATE iap_account SET account_token = REGEXP_REPLACE(account_token, '(\\+.*)?$', '+disabled')`],
};
// A token longer than 33 characters (made before 17.0) would overflow the 43 characters the
// column allows once suffixed: Odoo replaces it with a dummy one instead.
const IAP_17_18: ModuleNeutralization = {
  source: 'addons/iap/data/neutralize.sql (17.0, 18.0)',
  statements: [
    `UPDATE iap_account SET account_token = REGEXP_REPLACE(account_token, '(\\+.*)?$', '+disabled')
      WHERE LENGTH(account_token) <= 33`,
    `UPDATE iap_account SET account_token = 'dummy_value+disabled'
      WHERE LENGTH(account_token) > 33 AND account_token NOT LIKE '%+disabled'`,
  ],
};

const PAYMENT: ModuleNeutralization = {
  source: 'addons/payment/data/neutralize.sql (16.0, 17.0, 18.0)',
  statements: [`UPDATE payment_provider SET state = 'disabled' WHERE state NOT IN ('test', 'disabled')`],
};

const AUTH_OAUTH: ModuleNeutralization = {
  source: 'addons/auth_oauth/data/neutralize.sql (16.0, 17.0, 18.0)',
  statements: [`UPDATE auth_oauth_provider SET enabled = false`],
};

const WEBSITE_DOMAIN_RIBBON = [
  `UPDATE website SET domain = NULL`,
  `UPDATE ir_ui_view SET active = true WHERE key = 'website.neutralize_ribbon'`,
];
// 16.0's file frees the domain and shows the ribbon, nothing more: the CDN and robots.txt rules came in 17.0.
const WEBSITE_16: ModuleNeutralization = {
  source: 'addons/website/data/neutralize.sql (16.0)',
  statements: WEBSITE_DOMAIN_RIBBON,
};
const WEBSITE_17_18: ModuleNeutralization = {
  source: 'addons/website/data/neutralize.sql (17.0, 18.0: CDN off, robots.txt too)',
  statements: [
    ...WEBSITE_DOMAIN_RIBBON,
    `UPDATE website SET cdn_activated = false`,
    `UPDATE website SET robots_txt = E'User-agent: *\\nDisallow: /'`,
  ],
};

/**
 * Per series, the ported modules, base first. Odoo runs the files in the order of its unsorted
 * SELECT; these statements touch disjoint rows, so the order cannot change the result, and a
 * fixed one keeps ours reproducible.
 */
export const NEUTRALIZATION: Record<OdooSeries, [module: string, rules: ModuleNeutralization][]> = {
  '16.0': [
    ['base', BASE_16],
    ['web', WEB],
    ['mail', MAIL_16],
    ['iap', IAP_16],
    ['payment', PAYMENT],
    ['auth_oauth', AUTH_OAUTH],
    ['website', WEBSITE_16],
  ],
  '17.0': [
    ['base', BASE_17_18],
    ['web', WEB],
    ['mail', MAIL_17_18],
    ['iap', IAP_17_18],
    ['payment', PAYMENT],
    ['auth_oauth', AUTH_OAUTH],
    ['website', WEBSITE_17_18],
  ],
  '18.0': [
    ['base', BASE_17_18],
    ['web', WEB],
    ['mail', MAIL_17_18],
    ['iap', IAP_17_18],
    ['payment', PAYMENT],
    ['auth_oauth', AUTH_OAUTH],
    ['website', WEBSITE_17_18],
  ],
};

/** The modules Odoo neutralizes, in the order its own unsorted SELECT returns them (odoo/modules/neutralize.py). */
export async function neutralizableModules(db: pg.ClientBase): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')`,
  );
  return rows.map((r) => r.name);
}

/**
 * Runs our ported rules inside the caller's transaction, like Odoo's neutralize_database(cr), and
 * answers the modules whose rules ran. `version` is the database's Odoo version ('16.0', '17.0',
 * 'saas~17.4', '18.0'); saas~17.x follows 17.0.
 */
export async function neutralizeDatabase(db: pg.ClientBase, version: string): Promise<string[]> {
  const rules = NEUTRALIZATION[odooSeries(version)];
  const installed = new Set(await neutralizableModules(db));
  const ran: string[] = [];
  for (const [module, rule] of rules) {
    if (!installed.has(module)) continue;
    const statements = typeof rule.statements === 'function' ? await rule.statements(db) : rule.statements;
    for (const statement of statements) await db.query(statement);
    ran.push(module);
  }
  return ran;
}
