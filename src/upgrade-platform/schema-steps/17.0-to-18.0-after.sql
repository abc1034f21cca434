-- 17.0 → 18.0, after the 18.0 data fragment wrote the catalog's iap.service records.

-- The catalog's records carry explicit ids.
SELECT setval(pg_get_serial_sequence('iap_service', 'id'), (SELECT max(id) FROM iap_service));

-- An account for a service the catalog does not sell gets a service record of its own
-- (upgrade-util creates the missing iap.service rather than losing the account).
INSERT INTO iap_service (name, technical_name, description, unit_name, integer_balance)
SELECT DISTINCT a.service_name, a.service_name, jsonb_build_object('en_US', a.service_name), '{"en_US": "Credits"}'::jsonb, false
  FROM iap_account a
 WHERE a.service_name IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM iap_service s WHERE s.technical_name = a.service_name);
-- An account without a service cannot exist in 18.0 (service_id is required).
DELETE FROM iap_account WHERE service_name IS NULL;

ALTER TABLE iap_account
    ADD COLUMN name varchar,
    ADD COLUMN service_id integer REFERENCES iap_service (id) ON DELETE RESTRICT,
    ADD COLUMN state varchar,
    ADD COLUMN warning_threshold double precision,
    ADD COLUMN service_locked boolean;
UPDATE iap_account a SET service_id = s.id FROM iap_service s WHERE s.technical_name = a.service_name;
ALTER TABLE iap_account
    ALTER COLUMN service_id SET NOT NULL,
    DROP COLUMN service_name;

-- ir.cron (18.0): numbercall/doall are gone. A cron that had used up its calls (numbercall 0)
-- stays inactive; the interval becomes required and strictly positive (Odoo's defaults: 1 month).
UPDATE ir_cron SET active = false WHERE numbercall = 0;
UPDATE ir_cron SET interval_number = 1 WHERE interval_number IS NULL OR interval_number < 1;
UPDATE ir_cron SET interval_type = 'months' WHERE interval_type IS NULL;
ALTER TABLE ir_cron
    DROP COLUMN numbercall,
    DROP COLUMN doall,
    ALTER COLUMN interval_number SET NOT NULL,
    ALTER COLUMN interval_type SET NOT NULL,
    ADD COLUMN failure_count integer,
    ADD COLUMN first_failure_date timestamp without time zone,
    ADD CONSTRAINT ir_cron_check_strictly_positive_interval CHECK (interval_number > 0);
