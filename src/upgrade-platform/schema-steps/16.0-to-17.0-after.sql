-- 16.0 → 17.0, after the 17.0 fragments added complete_name, parent_path, webhooks and web push.

-- res.partner: the stored display_name becomes complete_name (same value: "Company, Contact").
UPDATE res_partner SET complete_name = display_name WHERE display_name IS NOT NULL;
ALTER TABLE res_partner DROP COLUMN display_name;

-- res.company is a _parent_store from 17.0: parent_path is "<root id>/…/<id>/".
WITH RECURSIVE tree (id, path) AS (
    SELECT id, id || '/' FROM res_company WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, t.path || c.id || '/' FROM res_company c JOIN tree t ON c.parent_id = t.id
)
UPDATE res_company c SET parent_path = tree.path FROM tree WHERE tree.id = c.id;

-- ir.mail_server: smtp_host and smtp_port are optional from 17.0 ('cli' authentication).
ALTER TABLE ir_mail_server
    ALTER COLUMN smtp_host DROP NOT NULL,
    ALTER COLUMN smtp_port DROP NOT NULL;

-- The fetchmail module is gone (merged into mail above).
DELETE FROM ir_model_data WHERE module = 'base' AND name = 'module_fetchmail' AND model = 'ir.module.module';
DELETE FROM ir_module_module_dependency WHERE name = 'fetchmail';
DELETE FROM ir_module_module WHERE name = 'fetchmail';
