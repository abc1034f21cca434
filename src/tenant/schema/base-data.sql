-- Odoo's base data as a fresh database has it right after `-i base,web,mail,...`, trimmed to what
-- dbtools reads (same for 16.0, 17.0 and 18.0; <version>-data.sql completes it). Ids and xml ids
-- follow Odoo (base_data.sql, res_users_data.xml, base_groups.xml, ir_cron_data.xml) so lookups by
-- xml id behave as on a real database. Every INSERT sets every NOT NULL column, as the ORM would.

INSERT INTO res_lang (id, name, code, iso_code, url_code, active, direction, date_format, time_format, week_start, grouping, decimal_point, thousands_sep) VALUES
    (1, 'English (US)', 'en_US', 'en', 'en', true, 'ltr', '%m/%d/%Y', '%H:%M:%S', '7', '[3,0]', '.', ',');

INSERT INTO res_currency (id, name, symbol, rounding, decimal_places, active, position) VALUES
    (1, 'USD', '$', 0.01, 2, true, 'before'),
    (2, 'EUR', '€', 0.01, 2, true, 'after');

INSERT INTO res_partner (id, name, email, type, is_company, active, create_uid, write_uid) VALUES
    (1, 'My Company', 'info@yourcompany.com', 'contact', true, true, 1, 1),
    (2, 'OdooBot', 'odoobot@example.com', 'contact', false, true, 1, 1),
    (3, 'Administrator', 'admin@yourcompany.example.com', 'contact', false, true, 1, 1),
    (4, 'Public user', NULL, 'contact', false, false, 1, 1);

INSERT INTO res_company (id, name, partner_id, currency_id, parent_id, sequence, active, layout_background, create_uid, write_uid) VALUES
    (1, 'My Company', 1, 1, NULL, 0, true, 'Blank', 1, 1);

UPDATE res_partner SET company_id = 1 WHERE id IN (1, 2, 3, 4);

INSERT INTO res_groups (id, name, share) VALUES
    (1, '{"en_US": "Internal User"}', false),
    (2, '{"en_US": "Access Rights"}', false),
    (3, '{"en_US": "Settings"}', false),
    (4, '{"en_US": "Portal"}', true),
    (5, '{"en_US": "Public"}', true),
    (6, '{"en_US": "Technical Features"}', false),
    (7, '{"en_US": "Contact Creation"}', false);

-- group_system => group_erp_manager => group_user
INSERT INTO res_groups_implied_rel (gid, hid) VALUES (3, 2), (2, 1);

-- The platform's OAuth provider carries Odoo's xml id auth_oauth.provider_openerp (the "Odoo.com
-- Accounts" provider whose client_id is the database uuid).
INSERT INTO auth_oauth_provider
    (id, name, client_id, auth_endpoint, scope, validation_endpoint, data_endpoint, enabled, css_class, body, sequence)
VALUES
    (1, 'dbtools accounts', NULL, 'https://accounts.dbtools.test/oauth2/auth', 'userinfo',
     'https://accounts.dbtools.test/oauth2/tokeninfo', NULL, true, 'fa fa-fw o_custom_icon',
     '{"en_US": "Log in with dbtools.test"}', 10);

-- user_root is the superuser Odoo runs crons as; it can never log in (no password, inactive).
INSERT INTO res_users (id, login, password, active, share, company_id, partner_id, notification_type, create_uid, write_uid) VALUES
    (1, '__system__', NULL, false, false, 1, 2, 'email', 1, 1),
    (2, 'admin', NULL, true, false, 1, 3, 'inbox', 1, 1),
    (3, 'public', NULL, false, true, 1, 4, 'email', 1, 1);

INSERT INTO res_groups_users_rel (gid, uid) VALUES
    (1, 1), (2, 1), (3, 1), (6, 1),
    (1, 2), (2, 2), (3, 2), (6, 2), (7, 2),
    (5, 3);

INSERT INTO res_company_users_rel (cid, user_id) VALUES (1, 1), (1, 2), (1, 3);

INSERT INTO ir_module_category (id, name, sequence, visible) VALUES
    (1, '{"en_US": "Hidden"}', 0, false),
    (2, '{"en_US": "Website"}', 10, true),
    (3, '{"en_US": "Marketing"}', 20, true);

INSERT INTO ir_module_module (name, state, application, shortdesc, author, license, auto_install) VALUES
    ('base', 'installed', false, '{"en_US": "Base"}', 'Odoo S.A.', 'LGPL-3', true),
    ('web', 'installed', false, '{"en_US": "Web"}', 'Odoo S.A.', 'LGPL-3', true),
    ('bus', 'installed', false, '{"en_US": "IM Bus"}', 'Odoo S.A.', 'LGPL-3', false),
    ('mail', 'installed', false, '{"en_US": "Discuss"}', 'Odoo S.A.', 'LGPL-3', false),
    ('auth_signup', 'installed', false, '{"en_US": "Signup"}', 'Odoo S.A.', 'LGPL-3', true),
    ('auth_oauth', 'installed', false, '{"en_US": "OAuth2 Authentication"}', 'Odoo S.A.', 'LGPL-3', false),
    ('iap', 'installed', false, '{"en_US": "In-App Purchases"}', 'Odoo S.A.', 'LGPL-3', false),
    ('payment', 'installed', false, '{"en_US": "Payment Engine"}', 'Odoo S.A.', 'LGPL-3', false),
    ('web_enterprise', 'installed', false, '{"en_US": "Web Enterprise"}', 'Odoo S.A.', 'OEEL-1', true),
    ('payment_stripe', 'uninstalled', false, '{"en_US": "Payment Provider: Stripe"}', 'Odoo S.A.', 'LGPL-3', false),
    ('payment_paypal', 'uninstalled', false, '{"en_US": "Payment Provider: Paypal"}', 'Odoo S.A.', 'LGPL-3', false),
    ('crm', 'uninstalled', true, '{"en_US": "CRM"}', 'Odoo S.A.', 'LGPL-3', false),
    ('sale_management', 'uninstalled', true, '{"en_US": "Sales"}', 'Odoo S.A.', 'LGPL-3', false),
    ('account_accountant', 'uninstalled', true, '{"en_US": "Accounting"}', 'Odoo S.A.', 'OEEL-1', false),
    ('account', 'uninstalled', true, '{"en_US": "Invoicing"}', 'Odoo S.A.', 'LGPL-3', false),
    ('stock', 'uninstalled', true, '{"en_US": "Inventory"}', 'Odoo S.A.', 'LGPL-3', false),
    ('mrp', 'uninstalled', true, '{"en_US": "Manufacturing"}', 'Odoo S.A.', 'LGPL-3', false),
    ('purchase', 'uninstalled', true, '{"en_US": "Purchase"}', 'Odoo S.A.', 'LGPL-3', false),
    ('point_of_sale', 'uninstalled', true, '{"en_US": "Point of Sale"}', 'Odoo S.A.', 'LGPL-3', false),
    ('website', 'uninstalled', true, '{"en_US": "Website"}', 'Odoo S.A.', 'LGPL-3', false),
    ('website_sale', 'uninstalled', true, '{"en_US": "eCommerce"}', 'Odoo S.A.', 'LGPL-3', false),
    ('website_event', 'uninstalled', true, '{"en_US": "Events"}', 'Odoo S.A.', 'LGPL-3', false),
    ('mass_mailing', 'uninstalled', true, '{"en_US": "Email Marketing"}', 'Odoo S.A.', 'LGPL-3', false),
    ('project', 'uninstalled', true, '{"en_US": "Project"}', 'Odoo S.A.', 'LGPL-3', false),
    ('hr', 'uninstalled', true, '{"en_US": "Employees"}', 'Odoo S.A.', 'LGPL-3', false),
    ('hr_timesheet', 'uninstalled', true, '{"en_US": "Timesheets"}', 'Odoo S.A.', 'LGPL-3', false),
    ('helpdesk', 'uninstalled', true, '{"en_US": "Helpdesk"}', 'Odoo S.A.', 'OEEL-1', false),
    ('documents', 'uninstalled', true, '{"en_US": "Documents"}', 'Odoo S.A.', 'OEEL-1', false),
    ('sign', 'uninstalled', true, '{"en_US": "Sign"}', 'Odoo S.A.', 'OEEL-1', false),
    ('planning', 'uninstalled', true, '{"en_US": "Planning"}', 'Odoo S.A.', 'OEEL-1', false),
    ('knowledge', 'uninstalled', true, '{"en_US": "Knowledge"}', 'Odoo S.A.', 'OEEL-1', false),
    ('appointment', 'uninstalled', true, '{"en_US": "Appointments"}', 'Odoo S.A.', 'OEEL-1', false);

UPDATE ir_module_module SET category_id = CASE
    WHEN name LIKE 'website%' THEN 2 WHEN name = 'mass_mailing' THEN 3 WHEN NOT application THEN 1 END;

-- Each module's manifest `depends` (the modules above; apps' own are left out).
INSERT INTO ir_module_module_dependency (name, module_id)
SELECT d.dep, m.id FROM ir_module_module m
  JOIN (VALUES ('web', 'base'), ('bus', 'base'), ('bus', 'web'), ('mail', 'base'), ('mail', 'bus'), ('mail', 'web'),
               ('auth_signup', 'base'), ('auth_signup', 'web'), ('auth_oauth', 'base'), ('auth_oauth', 'web'),
               ('auth_oauth', 'auth_signup'), ('iap', 'web'), ('iap', 'base_setup'), ('payment', 'onboarding'),
               ('payment', 'portal'), ('web_enterprise', 'web'), ('website', 'web'), ('website', 'portal'),
               ('website', 'mail'), ('mass_mailing', 'contacts'), ('mass_mailing', 'mail'), ('mass_mailing', 'utm'))
       AS d(module, dep) ON d.module = m.name;

INSERT INTO ir_model (id, model, name, "order", state, transient) VALUES
    (1, 'ir.autovacuum', '{"en_US": "Automatic Vacuum"}', 'id', 'base', false),
    (2, 'publisher_warranty.contract', '{"en_US": "Publisher Warranty Contract"}', 'id', 'base', false),
    (3, 'mail.mail', '{"en_US": "Outgoing Mails"}', 'id desc', 'base', false),
    (4, 'res.users.deletion', '{"en_US": "Users Deletion Request"}', 'id', 'base', false),
    (5, 'mail.notification', '{"en_US": "Message Notifications"}', 'id', 'base', false),
    (6, 'res.partner', '{"en_US": "Contact"}', 'complete_name ASC, id DESC', 'base', false),
    (7, 'res.users', '{"en_US": "User"}', 'name, login', 'base', false),
    (8, 'fetchmail.server', '{"en_US": "Incoming Mail Server"}', 'priority', 'base', false);

-- Each cron is a server action (usage 'ir_cron', state 'code') plus its ir_cron row.
INSERT INTO ir_act_server (id, name, type, binding_type, usage, state, sequence, model_id, model_name, code) VALUES
    (1, '{"en_US": "Base: Auto-vacuum internal data"}', 'ir.actions.server', 'action', 'ir_cron', 'code', 5, 1, 'ir.autovacuum', 'model._run_vacuum_cleaner()'),
    (2, '{"en_US": "Publisher: Update Notification"}', 'ir.actions.server', 'action', 'ir_cron', 'code', 5, 2, 'publisher_warranty.contract', 'model.update_notification(None)'),
    (3, '{"en_US": "Mail: Email Queue Manager"}', 'ir.actions.server', 'action', 'ir_cron', 'code', 5, 3, 'mail.mail', 'model.process_email_queue()'),
    (4, '{"en_US": "Base: Portal Users Deletion"}', 'ir.actions.server', 'action', 'ir_cron', 'code', 5, 4, 'res.users.deletion', 'model._gc_portal_users()'),
    (5, '{"en_US": "Notification: Delete Notifications older than 6 Month"}', 'ir.actions.server', 'action', 'ir_cron', 'code', 5, 5, 'mail.notification', 'model._gc_notifications(max_age_days=180)');

INSERT INTO ir_cron (id, ir_actions_server_id, cron_name, user_id, active, interval_number, interval_type, nextcall, priority) VALUES
    (1, 1, 'Base: Auto-vacuum internal data', 1, true, 1, 'days', date_trunc('day', now() at time zone 'UTC') + interval '1 day 3 hours', 5),
    (2, 2, 'Publisher: Update Notification', 1, true, 1, 'weeks', (now() at time zone 'UTC') + interval '7 days', 1000),
    (3, 3, 'Mail: Email Queue Manager', 1, true, 1, 'hours', (now() at time zone 'UTC') + interval '1 hour', 5),
    (4, 4, 'Base: Portal Users Deletion', 1, true, 1, 'days', (now() at time zone 'UTC') + interval '1 day', 5),
    (5, 5, 'Notification: Delete Notifications older than 6 Month', 1, true, 1, 'days', (now() at time zone 'UTC') + interval '1 day', 5);

-- The platform's relay: hosted databases send through it, which is what the e-mail limits meter.
INSERT INTO ir_mail_server (id, name, smtp_host, smtp_port, smtp_authentication, smtp_user, smtp_encryption, smtp_debug, active, sequence) VALUES
    (1, 'dbtools mail relay', 'smtp.dbtools.test', 587, 'login', NULL, 'starttls', false, true, 10);

INSERT INTO website (id, name, sequence, domain, company_id, default_lang_id, user_id, cdn_activated, robots_txt) VALUES
    (1, 'My Website', 10, NULL, 1, 1, 3, false, NULL);

INSERT INTO payment_provider (id, name, sequence, code, state, is_published, company_id, module_id) VALUES
    (1, '{"en_US": "Stripe"}', 10, 'stripe', 'enabled', true, 1, (SELECT id FROM ir_module_module WHERE name = 'payment_stripe')),
    (2, '{"en_US": "Wire Transfer"}', 20, 'custom', 'enabled', true, 1, NULL),
    (3, '{"en_US": "PayPal"}', 30, 'paypal', 'disabled', false, 1, (SELECT id FROM ir_module_module WHERE name = 'payment_paypal'));

-- The neutralization banners (web/views/neutralize_views.xml, website/views/neutralize_ribbon.xml): inactive until neutralized.
INSERT INTO ir_ui_view (id, name, key, model, priority, type, mode, active, arch_db) VALUES
    (1, 'neutralize_banner', 'web.neutralize_banner', NULL, 16, 'qweb', 'primary', false, '{"en_US": "<t t-name=\"web.neutralize_banner\"/>"}'),
    (2, 'neutralize_ribbon', 'website.neutralize_ribbon', NULL, 16, 'qweb', 'primary', false, '{"en_US": "<t t-name=\"website.neutralize_ribbon\"/>"}');

-- ir.config_parameter's _default_parameters, as init() writes them at database creation.
INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date) VALUES
    ('database.secret', gen_random_uuid()::text, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'),
    ('database.uuid', gen_random_uuid()::text, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'),
    ('database.create_date', to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'),
    ('web.base.url', 'http://localhost:8069', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'),
    ('base.login_cooldown_after', '10', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'),
    ('base.login_cooldown_duration', '60', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC');

INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid) VALUES
    ('base', 'lang_en', 'res.lang', 1, true, 1, 1),
    ('base', 'module_category_hidden', 'ir.module.category', 1, true, 1, 1),
    ('base', 'module_category_website', 'ir.module.category', 2, true, 1, 1),
    ('base', 'module_category_marketing', 'ir.module.category', 3, true, 1, 1),
    ('base', 'USD', 'res.currency', 1, true, 1, 1),
    ('base', 'EUR', 'res.currency', 2, false, 1, 1),
    ('base', 'main_partner', 'res.partner', 1, true, 1, 1),
    ('base', 'partner_root', 'res.partner', 2, true, 1, 1),
    ('base', 'partner_admin', 'res.partner', 3, true, 1, 1),
    ('base', 'public_partner', 'res.partner', 4, true, 1, 1),
    ('base', 'main_company', 'res.company', 1, true, 1, 1),
    ('base', 'user_root', 'res.users', 1, true, 1, 1),
    ('base', 'user_admin', 'res.users', 2, true, 1, 1),
    ('base', 'public_user', 'res.users', 3, true, 1, 1),
    ('base', 'group_user', 'res.groups', 1, true, 1, 1),
    ('base', 'group_erp_manager', 'res.groups', 2, false, 1, 1),
    ('base', 'group_system', 'res.groups', 3, false, 1, 1),
    ('base', 'group_portal', 'res.groups', 4, false, 1, 1),
    ('base', 'group_public', 'res.groups', 5, false, 1, 1),
    ('base', 'group_no_one', 'res.groups', 6, false, 1, 1),
    ('base', 'group_partner_manager', 'res.groups', 7, false, 1, 1),
    ('auth_oauth', 'provider_openerp', 'auth.oauth.provider', 1, true, 1, 1),
    ('base', 'model_ir_autovacuum', 'ir.model', 1, false, 1, 1),
    ('base', 'model_publisher_warranty_contract', 'ir.model', 2, false, 1, 1),
    ('mail', 'model_mail_mail', 'ir.model', 3, false, 1, 1),
    ('base', 'model_res_users_deletion', 'ir.model', 4, false, 1, 1),
    ('mail', 'model_mail_notification', 'ir.model', 5, false, 1, 1),
    ('base', 'model_res_partner', 'ir.model', 6, false, 1, 1),
    ('base', 'model_res_users', 'ir.model', 7, false, 1, 1),
    ('base', 'autovacuum_job', 'ir.cron', 1, true, 1, 1),
    ('base', 'autovacuum_job_ir_actions_server', 'ir.actions.server', 1, true, 1, 1),
    ('mail', 'ir_cron_module_update_notification', 'ir.cron', 2, true, 1, 1),
    ('mail', 'ir_cron_module_update_notification_ir_actions_server', 'ir.actions.server', 2, true, 1, 1),
    ('mail', 'ir_cron_mail_scheduler_action', 'ir.cron', 3, true, 1, 1),
    ('mail', 'ir_cron_mail_scheduler_action_ir_actions_server', 'ir.actions.server', 3, true, 1, 1),
    ('base', 'ir_cron_res_users_deletion', 'ir.cron', 4, true, 1, 1),
    ('base', 'ir_cron_res_users_deletion_ir_actions_server', 'ir.actions.server', 4, true, 1, 1),
    ('mail', 'ir_cron_delete_notification', 'ir.cron', 5, true, 1, 1),
    ('mail', 'ir_cron_delete_notification_ir_actions_server', 'ir.actions.server', 5, true, 1, 1),
    ('website', 'default_website', 'website', 1, true, 1, 1),
    ('payment', 'payment_provider_stripe', 'payment.provider', 1, true, 1, 1),
    ('payment', 'payment_provider_transfer', 'payment.provider', 2, true, 1, 1),
    ('payment', 'payment_provider_paypal', 'payment.provider', 3, true, 1, 1),
    ('web', 'neutralize_banner', 'ir.ui.view', 1, false, 1, 1),
    ('website', 'neutralize_ribbon', 'ir.ui.view', 2, false, 1, 1);
