-- 16.0 → 17.0, before the 17.0 fragments (src/tenant/schema/17.0-and-later*.sql) run.

-- fetchmail is merged into mail in 17.0 (upgrade-util's merge_module): its xml ids move to mail;
-- the one the 17.0 data fragment writes itself (mail.model_fetchmail_server) is dropped here.
DELETE FROM ir_model_data WHERE module = 'fetchmail' AND name = 'model_fetchmail_server';
UPDATE ir_model_data d SET module = 'mail'
 WHERE d.module = 'fetchmail'
   AND NOT EXISTS (SELECT 1 FROM ir_model_data m WHERE m.module = 'mail' AND m.name = d.name);
DELETE FROM ir_model_data WHERE module = 'fetchmail';
