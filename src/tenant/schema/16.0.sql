-- Odoo 16.0: what differs from common.sql.

-- res.partner's display_name is still a stored compute in 16.0 (17.0 stores complete_name instead).
ALTER TABLE res_partner ADD COLUMN display_name varchar;
CREATE INDEX res_partner_display_name_index ON res_partner (display_name);

-- ir.cron (odoo/addons/base/models/ir_cron.py, 16.0): interval fields optional, numbercall/doall still there.
ALTER TABLE ir_cron
    ADD COLUMN interval_number integer,
    ADD COLUMN interval_type varchar,
    ADD COLUMN numbercall integer,
    ADD COLUMN doall boolean;

-- ir.mail_server (16.0): smtp_host and smtp_port are required (17.0 drops that for 'cli' authentication).
ALTER TABLE ir_mail_server
    ALTER COLUMN smtp_host SET NOT NULL,
    ALTER COLUMN smtp_port SET NOT NULL;

-- iap.account (16.0): the service is a stored char.
ALTER TABLE iap_account ADD COLUMN service_name varchar;
