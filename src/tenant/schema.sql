-- The subset of Odoo's schema (16-18) that dbtools reads and writes, with Odoo's own
-- table and column names so the same queries run against a real Odoo database.
-- Odoo creates these through its ORM; columns the console never touches are left out.
-- Foreign keys follow Odoo's ondelete rules where the console relies on them.

CREATE TABLE res_currency (
    id serial PRIMARY KEY,
    name varchar NOT NULL UNIQUE,
    symbol varchar NOT NULL,
    rounding numeric DEFAULT 0.01,
    active boolean DEFAULT true,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE res_partner (
    id serial PRIMARY KEY,
    name varchar,
    display_name varchar,
    email varchar,
    phone varchar,
    city varchar,
    lang varchar,
    company_id integer,
    is_company boolean DEFAULT false,
    active boolean DEFAULT true,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE res_company (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    partner_id integer NOT NULL REFERENCES res_partner (id),
    currency_id integer NOT NULL REFERENCES res_currency (id),
    parent_id integer REFERENCES res_company (id) ON DELETE SET NULL,
    parent_path varchar,
    email varchar,
    phone varchar,
    sequence integer DEFAULT 10,
    active boolean DEFAULT true,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);
CREATE INDEX res_company_parent_id_index ON res_company (parent_id);

ALTER TABLE res_partner
    ADD CONSTRAINT res_partner_company_id_fkey FOREIGN KEY (company_id) REFERENCES res_company (id) ON DELETE SET NULL;

CREATE TABLE auth_oauth_provider (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    client_id varchar,
    auth_endpoint varchar NOT NULL,
    scope varchar,
    validation_endpoint varchar NOT NULL,
    data_endpoint varchar,
    enabled boolean DEFAULT false,
    css_class varchar DEFAULT 'fa fa-fw fa-sign-in text-primary',
    body varchar NOT NULL,
    sequence integer DEFAULT 10,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE res_users (
    id serial PRIMARY KEY,
    login varchar(64) NOT NULL,
    password varchar,
    active boolean DEFAULT true,
    share boolean DEFAULT false,
    company_id integer NOT NULL REFERENCES res_company (id),
    partner_id integer NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
    signature text,
    notification_type varchar DEFAULT 'email',
    oauth_provider_id integer REFERENCES auth_oauth_provider (id) ON DELETE SET NULL,
    oauth_uid varchar,
    oauth_access_token varchar,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    CONSTRAINT res_users_login_key UNIQUE (login),
    CONSTRAINT res_users_uniq_users_oauth_provider_oauth_uid UNIQUE (oauth_provider_id, oauth_uid)
);

CREATE TABLE res_company_users_rel (
    cid integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
    user_id integer NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    PRIMARY KEY (cid, user_id)
);
CREATE INDEX res_company_users_rel_user_id_idx ON res_company_users_rel (user_id);

CREATE TABLE res_groups (
    id serial PRIMARY KEY,
    name jsonb NOT NULL,
    comment jsonb,
    share boolean DEFAULT false,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE res_groups_implied_rel (
    gid integer NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    hid integer NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
);
CREATE INDEX res_groups_implied_rel_hid_idx ON res_groups_implied_rel (hid);

CREATE TABLE res_groups_users_rel (
    gid integer NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    uid integer NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid)
);
CREATE INDEX res_groups_users_rel_uid_idx ON res_groups_users_rel (uid);

CREATE TABLE res_users_log (
    id serial PRIMARY KEY,
    create_uid integer REFERENCES res_users (id) ON DELETE SET NULL,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);
CREATE INDEX res_users_log_create_uid_idx ON res_users_log (create_uid);

CREATE TABLE ir_model_data (
    id serial PRIMARY KEY,
    module varchar NOT NULL,
    name varchar NOT NULL,
    model varchar NOT NULL,
    res_id integer,
    noupdate boolean DEFAULT false,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    CONSTRAINT ir_model_data_name_nospaces CHECK (name NOT LIKE '% %')
);
CREATE UNIQUE INDEX ir_model_data_module_name_uniq_index ON ir_model_data (module, name);
CREATE INDEX ir_model_data_model_res_id_index ON ir_model_data (model, res_id);

CREATE TABLE ir_config_parameter (
    id serial PRIMARY KEY,
    key varchar NOT NULL,
    value text NOT NULL,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    CONSTRAINT ir_config_parameter_key_uniq UNIQUE (key)
);

CREATE TABLE ir_module_module (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    state varchar(16) DEFAULT 'uninstalled',
    application boolean DEFAULT false,
    latest_version varchar,
    shortdesc jsonb,
    summary jsonb,
    author varchar,
    license varchar DEFAULT 'LGPL-3',
    auto_install boolean DEFAULT false,
    demo boolean DEFAULT false,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    CONSTRAINT ir_module_module_name_uniq UNIQUE (name),
    CONSTRAINT ir_module_module_state_check CHECK (
        state IN ('uninstallable', 'uninstalled', 'installed', 'to upgrade', 'to remove', 'to install'))
);

CREATE TABLE ir_cron (
    id serial PRIMARY KEY,
    cron_name varchar,
    user_id integer REFERENCES res_users (id),
    active boolean DEFAULT true,
    interval_number integer DEFAULT 1,
    interval_type varchar DEFAULT 'months',
    nextcall timestamp without time zone NOT NULL DEFAULT (now() at time zone 'UTC'),
    lastcall timestamp without time zone,
    priority integer DEFAULT 5,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE ir_mail_server (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    smtp_host varchar,
    smtp_port integer DEFAULT 25,
    smtp_user varchar,
    smtp_pass varchar,
    smtp_encryption varchar DEFAULT 'none',
    smtp_authentication varchar DEFAULT 'login',
    from_filter varchar,
    active boolean DEFAULT true,
    sequence integer DEFAULT 10,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE mail_mail (
    id serial PRIMARY KEY,
    state varchar DEFAULT 'outgoing',
    failure_type varchar,
    failure_reason text,
    email_from varchar,
    email_to text,
    subject varchar,
    message_id varchar,
    mail_server_id integer REFERENCES ir_mail_server (id) ON DELETE SET NULL,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);
CREATE INDEX mail_mail_state_index ON mail_mail (state);

CREATE TABLE mailing_trace (
    id serial PRIMARY KEY,
    trace_type varchar NOT NULL DEFAULT 'mail',
    trace_status varchar DEFAULT 'outgoing',
    failure_type varchar,
    failure_reason text,
    email varchar,
    message_id varchar,
    model varchar,
    res_id integer,
    mail_mail_id integer REFERENCES mail_mail (id) ON DELETE SET NULL,
    mail_mail_id_int integer,
    sent_datetime timestamp without time zone,
    open_datetime timestamp without time zone,
    reply_datetime timestamp without time zone,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);
CREATE INDEX mailing_trace_trace_status_index ON mailing_trace (trace_status);

CREATE TABLE iap_account (
    id serial PRIMARY KEY,
    service_name varchar,
    account_token varchar(43),
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE iap_account_res_company_rel (
    iap_account_id integer NOT NULL REFERENCES iap_account (id) ON DELETE CASCADE,
    res_company_id integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
    PRIMARY KEY (iap_account_id, res_company_id)
);

CREATE TABLE ir_attachment (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    res_model varchar,
    res_field varchar,
    res_id integer,
    company_id integer REFERENCES res_company (id) ON DELETE SET NULL,
    type varchar NOT NULL DEFAULT 'binary',
    url varchar(1024),
    public boolean DEFAULT false,
    db_datas bytea,
    store_fname varchar,
    file_size integer,
    checksum varchar(40),
    mimetype varchar,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);
CREATE INDEX ir_attachment_res_idx ON ir_attachment (res_model, res_id);
CREATE INDEX ir_attachment_store_fname_index ON ir_attachment (store_fname);

CREATE TABLE payment_provider (
    id serial PRIMARY KEY,
    name jsonb NOT NULL,
    code varchar NOT NULL,
    state varchar NOT NULL DEFAULT 'disabled',
    company_id integer REFERENCES res_company (id),
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    CONSTRAINT payment_provider_state_check CHECK (state IN ('disabled', 'enabled', 'test'))
);

CREATE TABLE website (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    domain varchar,
    company_id integer REFERENCES res_company (id),
    cdn_activated boolean DEFAULT false,
    cdn_url varchar,
    robots_txt text,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);

CREATE TABLE ir_ui_view (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    key varchar,
    model varchar,
    type varchar DEFAULT 'qweb',
    arch_db text,
    active boolean DEFAULT true,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC')
);
