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

-- Web push, as src/tenant/schema/18.0.sql declares it (saas~17.1 and later): mail.partner.device
-- became mail.push.device and mail.notification.web_push became mail.push, its device column
-- mail_push_device_id. A saas~17.x database has them already.
DO $$
BEGIN
    IF to_regclass('public.mail_partner_device') IS NOT NULL THEN
        ALTER TABLE mail_partner_device RENAME TO mail_push_device;
        ALTER TABLE mail_push_device RENAME CONSTRAINT mail_partner_device_endpoint_unique TO mail_push_device_endpoint_unique;
    END IF;
    IF to_regclass('public.mail_notification_web_push') IS NOT NULL THEN
        ALTER TABLE mail_notification_web_push RENAME TO mail_push;
        ALTER TABLE mail_push RENAME COLUMN user_device TO mail_push_device_id;
    END IF;
END
$$;
