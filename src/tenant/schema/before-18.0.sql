-- Odoo 16.0 and 17.0 (and saas~17.x), changed in 18.0.

-- ir.cron (odoo/addons/base/models/ir_cron.py): interval fields optional, numbercall/doall still there.
ALTER TABLE ir_cron
    ADD COLUMN interval_number integer,
    ADD COLUMN interval_type varchar,
    ADD COLUMN numbercall integer,
    ADD COLUMN doall boolean;

-- iap.account: the service is a stored char.
ALTER TABLE iap_account ADD COLUMN service_name varchar;
