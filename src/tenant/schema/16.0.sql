-- Odoo 16.0 only.

-- res.partner's display_name is still a stored compute in 16.0 (17.0 stores complete_name instead).
ALTER TABLE res_partner ADD COLUMN display_name varchar;
CREATE INDEX res_partner_display_name_index ON res_partner (display_name);

-- ir.mail_server (16.0): smtp_host and smtp_port are required (17.0 drops that for 'cli' authentication).
ALTER TABLE ir_mail_server
    ALTER COLUMN smtp_host SET NOT NULL,
    ALTER COLUMN smtp_port SET NOT NULL;
