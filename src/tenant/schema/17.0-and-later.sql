-- Odoo 17.0 (and saas~17.x) and 18.0, new since 16.0.

-- res.partner: display_name is no longer stored; complete_name is.
ALTER TABLE res_partner ADD COLUMN complete_name varchar;
CREATE INDEX res_partner_complete_name_index ON res_partner (complete_name);

-- res.company becomes a _parent_store (branches).
ALTER TABLE res_company ADD COLUMN parent_path varchar;
CREATE INDEX res_company_parent_path_index ON res_company (parent_path);

-- ir.actions.server gains the 'webhook' state and its URL (base's neutralize.sql rewrites it).
ALTER TABLE ir_act_server ADD COLUMN webhook_url varchar;

-- Web push (addons/mail/models/mail_partner_device.py, mail_notification_web_push.py);
-- mail's neutralize.sql empties both.
CREATE TABLE mail_partner_device (
    id serial NOT NULL PRIMARY KEY,
    partner_id integer NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
    endpoint varchar NOT NULL,
    keys varchar NOT NULL,
    expiration_time timestamp without time zone,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT mail_partner_device_endpoint_unique UNIQUE (endpoint)
);
CREATE TABLE mail_notification_web_push (
    id serial NOT NULL PRIMARY KEY,
    user_device integer NOT NULL REFERENCES mail_partner_device (id) ON DELETE CASCADE,
    payload text,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
