-- Odoo 16.0 data on top of base-data.sql.
UPDATE res_partner SET display_name = name;

-- Incoming mail servers belong to mail in 16.0 already (addons/mail/models/fetchmail.py): there is
-- no fetchmail module in 16.0, and mail's neutralize.sql is the one that stops them.
INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid) VALUES
    ('mail', 'model_fetchmail_server', 'ir.model', 8, false, 1, 1);
