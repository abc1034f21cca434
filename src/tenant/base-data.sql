-- Odoo's base data as a fresh database has it right after `-i base,web,mail,...`, trimmed to
-- what the console reads. Ids and xml ids follow Odoo (base_data.sql, res_users_data.xml,
-- base_groups.xml, ir_cron_data.xml) so lookups by xml id behave as on a real database.

INSERT INTO res_currency (id, name, symbol, active) VALUES
    (1, 'USD', '$', true),
    (2, 'EUR', '€', true);

INSERT INTO res_partner (id, name, display_name, email, is_company, active, create_uid, write_uid) VALUES
    (1, 'My Company', 'My Company', 'info@yourcompany.com', true, true, 1, 1),
    (2, 'OdooBot', 'OdooBot', 'odoobot@example.com', false, true, 1, 1),
    (3, 'Administrator', 'Administrator', 'admin@yourcompany.example.com', false, true, 1, 1),
    (4, 'Public user', 'Public user', NULL, false, false, 1, 1);

INSERT INTO res_company (id, name, partner_id, currency_id, parent_id, parent_path, sequence, active, create_uid, write_uid) VALUES
    (1, 'My Company', 1, 1, NULL, '1/', 0, true, 1, 1);

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

INSERT INTO auth_oauth_provider
    (id, name, client_id, auth_endpoint, scope, validation_endpoint, data_endpoint, enabled, css_class, body, sequence)
VALUES
    (1, 'dbtools accounts', NULL, 'https://accounts.dbtools.test/oauth2/auth', 'userinfo',
     'https://accounts.dbtools.test/oauth2/tokeninfo', NULL, true, 'fa fa-fw o_custom_icon',
     'Log in with dbtools.test', 10);

-- user_root is the superuser Odoo runs crons as; it can never log in (no password, inactive).
INSERT INTO res_users (id, login, password, active, share, company_id, partner_id, create_uid, write_uid) VALUES
    (1, '__system__', NULL, false, false, 1, 2, 1, 1),
    (2, 'admin', NULL, true, false, 1, 3, 1, 1),
    (3, 'public', NULL, false, true, 1, 4, 1, 1);

INSERT INTO res_groups_users_rel (gid, uid) VALUES
    (1, 1), (2, 1), (3, 1), (6, 1),
    (1, 2), (2, 2), (3, 2), (6, 2), (7, 2),
    (5, 3);

INSERT INTO res_company_users_rel (cid, user_id) VALUES (1, 1), (1, 2), (1, 3);

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

INSERT INTO ir_cron (id, cron_name, user_id, active, interval_number, interval_type, nextcall, priority) VALUES
    (1, 'Base: Auto-vacuum internal data', 1, true, 1, 'days', date_trunc('day', now() at time zone 'UTC') + interval '1 day 3 hours', 5),
    (2, 'Publisher: Update Notification', 1, true, 1, 'weeks', (now() at time zone 'UTC') + interval '7 days', 1000),
    (3, 'Mail: Email Queue Manager', 1, true, 1, 'hours', (now() at time zone 'UTC') + interval '1 hour', 5),
    (4, 'Base: Portal Users Deletion', 1, true, 1, 'days', (now() at time zone 'UTC') + interval '1 day', 5),
    (5, 'Notification: Delete Notifications older than 6 Month', 1, true, 1, 'days', (now() at time zone 'UTC') + interval '1 day', 5);

-- The platform's relay: hosted databases send through it, which is what the e-mail limits meter.
INSERT INTO ir_mail_server (id, name, smtp_host, smtp_port, smtp_user, smtp_encryption, active, sequence) VALUES
    (1, 'dbtools mail relay', 'smtp.dbtools.test', 587, NULL, 'starttls', true, 10);

INSERT INTO website (id, name, domain, company_id, cdn_activated, robots_txt) VALUES
    (1, 'My Website', NULL, 1, false, NULL);

INSERT INTO payment_provider (id, name, code, state, company_id) VALUES
    (1, '{"en_US": "Stripe"}', 'stripe', 'enabled', 1),
    (2, '{"en_US": "Wire Transfer"}', 'custom', 'enabled', 1),
    (3, '{"en_US": "PayPal"}', 'paypal', 'disabled', 1);

INSERT INTO ir_ui_view (id, name, key, model, type, active) VALUES
    (1, 'Neutralize banner', 'web.neutralize_banner', NULL, 'qweb', false),
    (2, 'Neutralize ribbon', 'website.neutralize_ribbon', NULL, 'qweb', false);

INSERT INTO ir_config_parameter (key, value, create_uid, write_uid) VALUES
    ('database.secret', gen_random_uuid()::text, 1, 1),
    ('database.uuid', gen_random_uuid()::text, 1, 1),
    ('database.create_date', to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), 1, 1),
    ('web.base.url', 'http://localhost:8069', 1, 1),
    ('base.login_cooldown_after', '10', 1, 1),
    ('base.login_cooldown_duration', '60', 1, 1);

INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid) VALUES
    ('base', 'USD', 'res.currency', 1, false, 1, 1),
    ('base', 'EUR', 'res.currency', 2, false, 1, 1),
    ('base', 'main_partner', 'res.partner', 1, true, 1, 1),
    ('base', 'partner_root', 'res.partner', 2, true, 1, 1),
    ('base', 'partner_admin', 'res.partner', 3, true, 1, 1),
    ('base', 'public_partner', 'res.partner', 4, true, 1, 1),
    ('base', 'main_company', 'res.company', 1, true, 1, 1),
    ('base', 'user_root', 'res.users', 1, true, 1, 1),
    ('base', 'user_admin', 'res.users', 2, true, 1, 1),
    ('base', 'public_user', 'res.users', 3, true, 1, 1),
    ('base', 'group_user', 'res.groups', 1, false, 1, 1),
    ('base', 'group_erp_manager', 'res.groups', 2, false, 1, 1),
    ('base', 'group_system', 'res.groups', 3, false, 1, 1),
    ('base', 'group_portal', 'res.groups', 4, false, 1, 1),
    ('base', 'group_public', 'res.groups', 5, false, 1, 1),
    ('base', 'group_no_one', 'res.groups', 6, false, 1, 1),
    ('base', 'group_partner_manager', 'res.groups', 7, false, 1, 1),
    ('auth_oauth', 'provider_openerp', 'auth.oauth.provider', 1, true, 1, 1),
    ('base', 'autovacuum_job', 'ir.cron', 1, true, 1, 1),
    ('mail', 'ir_cron_module_update_notification', 'ir.cron', 2, true, 1, 1),
    ('mail', 'ir_cron_mail_scheduler_action', 'ir.cron', 3, true, 1, 1),
    ('base', 'ir_cron_res_users_deletion', 'ir.cron', 4, true, 1, 1),
    ('mail', 'ir_cron_delete_notification', 'ir.cron', 5, true, 1, 1),
    ('website', 'default_website', 'website', 1, true, 1, 1),
    ('payment', 'payment_provider_stripe', 'payment.provider', 1, true, 1, 1),
    ('payment', 'payment_provider_transfer', 'payment.provider', 2, true, 1, 1),
    ('payment', 'payment_provider_paypal', 'payment.provider', 3, true, 1, 1),
    ('web', 'neutralize_banner', 'ir.ui.view', 1, false, 1, 1),
    ('website', 'neutralize_ribbon', 'ir.ui.view', 2, false, 1, 1);

INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid)
SELECT 'base', 'module_' || name, 'ir.module.module', id, true, 1, 1 FROM ir_module_module;

-- Rows above carry explicit ids: move every id sequence past them.
DO $$
DECLARE t record;
BEGIN
    FOR t IN
        SELECT c.table_name, pg_get_serial_sequence(c.table_name, 'id') AS seq
        FROM information_schema.columns c
        WHERE c.table_schema = 'public' AND c.column_name = 'id'
          AND pg_get_serial_sequence(c.table_name, 'id') IS NOT NULL
    LOOP
        EXECUTE format('SELECT setval(%L, coalesce((SELECT max(id) FROM %I), 0) + 1, false)', t.seq, t.table_name);
    END LOOP;
END $$;
