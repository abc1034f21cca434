-- 17.0 → 18.0, before the 18.0 data fragment (src/tenant/schema/18.0-data.sql) runs.

-- iap (18.0): the service becomes a record of iap.service (addons/iap/models/iap_service.py),
-- as src/tenant/schema/18.0.sql declares it.
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
