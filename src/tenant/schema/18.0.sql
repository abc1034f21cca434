-- Odoo 18.0 only.

-- ir.cron (18.0): numbercall/doall are gone; the interval is required and strictly positive;
-- failures are counted (a cron failing repeatedly is deactivated by Odoo itself).
ALTER TABLE ir_cron
    ADD COLUMN interval_number integer NOT NULL,
    ADD COLUMN interval_type varchar NOT NULL,
    ADD COLUMN failure_count integer,
    ADD COLUMN first_failure_date timestamp without time zone,
    ADD CONSTRAINT ir_cron_check_strictly_positive_interval CHECK (interval_number > 0);

-- iap (18.0): the service becomes a record of iap.service (addons/iap/models/iap_service.py);
-- iap_account.service_name is a related, unstored field of service_id.technical_name.
CREATE TABLE iap_service (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    technical_name varchar NOT NULL,
    description jsonb NOT NULL,
    unit_name jsonb NOT NULL,
    integer_balance boolean NOT NULL,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT iap_service_unique_technical_name UNIQUE (technical_name)
);
ALTER TABLE iap_account
    ADD COLUMN name varchar,
    ADD COLUMN service_id integer NOT NULL REFERENCES iap_service (id) ON DELETE RESTRICT,
    ADD COLUMN state varchar,
    ADD COLUMN warning_threshold double precision,
    ADD COLUMN service_locked boolean;
