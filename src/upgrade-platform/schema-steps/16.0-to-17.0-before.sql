-- 16.0 → 17.0, before the 17.0 fragments (src/tenant/schema/17.0-and-later*.sql) run.

-- Incoming mail servers are mail's in 16.0 already; a database carried from an older series may
-- still hold fetchmail's xml ids (upgrade-util's merge_module moves them to mail). The one the 17.0
-- data fragment writes itself (mail.model_fetchmail_server) is dropped here, under either module.
DELETE FROM ir_model_data WHERE module IN ('fetchmail', 'mail') AND name = 'model_fetchmail_server';
UPDATE ir_model_data d SET module = 'mail'
 WHERE d.module = 'fetchmail'
   AND NOT EXISTS (SELECT 1 FROM ir_model_data m WHERE m.module = 'mail' AND m.name = d.name);
DELETE FROM ir_model_data WHERE module = 'fetchmail';
