-- Odoo 16.0 data on top of base-data.sql.
UPDATE res_partner SET display_name = name;

-- fetchmail is its own module in 16.0 (merged into mail in 17.0); it ships its own neutralize.sql.
INSERT INTO ir_module_module (name, state, application, shortdesc, author, license, auto_install) VALUES
    ('fetchmail', 'installed', false, '{"en_US": "Fetchmail"}', 'Odoo S.A.', 'LGPL-3', false);
INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid) VALUES
    ('fetchmail', 'model_fetchmail_server', 'ir.model', 8, false, 1, 1);
