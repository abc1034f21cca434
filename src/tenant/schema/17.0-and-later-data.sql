-- 17.0 and 18.0 data on top of base-data.sql.
UPDATE res_partner SET complete_name = name;
UPDATE res_company SET parent_path = id || '/';
INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid) VALUES
    ('mail', 'model_fetchmail_server', 'ir.model', 8, false, 1, 1);
