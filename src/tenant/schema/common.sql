-- The tables dbtools reads and writes, as Odoo 16.0, 17.0 and 18.0 all create them; what differs
-- is in the fragments applied right after this file (16.0.sql, before-18.0.sql, 17.0-and-later.sql,
-- 18.0.sql; the list per series is in src/tenant/template.ts). Odoo's conventions, kept here
-- because an INSERT that works on these tables must work on a real Odoo database:
--  * `id SERIAL NOT NULL PRIMARY KEY`; create_uid/write_uid reference res_users ON DELETE SET NULL;
--    create_date/write_date carry no DEFAULT (the ORM fills them).
--  * A field with required=True is NOT NULL. Its `default=` is applied by the ORM, never as a
--    column DEFAULT: an INSERT that omits a required column fails. The only DEFAULTs below are
--    the ones odoo/addons/base/data/base_data.sql writes for its bootstrap tables.
--  * Selection fields are plain varchar without CHECK; translated fields (translate=True) are jsonb.
--  * A required Many2one without `ondelete` is ON DELETE RESTRICT, an optional one SET NULL.
--  * A Many2many table is (col1, col2) NOT NULL, both ON DELETE CASCADE, primary key on the pair.
-- Columns no dbtools code, neutralization rule or test touches are left out.

-- Bootstrap tables of base_data.sql (same in 16.0, 17.0, 18.0), completed by the ORM.
CREATE TABLE ir_actions (
    id serial NOT NULL PRIMARY KEY,
    -- ir.actions.actions (odoo/addons/base/models/ir_actions.py)
    name jsonb NOT NULL,
    type varchar NOT NULL,
    help jsonb,
    binding_model_id integer,
    binding_type varchar NOT NULL,
    binding_view_types varchar,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
-- Odoo stores every action kind in a child table of ir_actions (PostgreSQL inheritance): ids are shared.
CREATE TABLE ir_act_window (PRIMARY KEY (id)) INHERITS (ir_actions);
CREATE TABLE ir_act_report_xml (PRIMARY KEY (id)) INHERITS (ir_actions);
CREATE TABLE ir_act_url (PRIMARY KEY (id)) INHERITS (ir_actions);
CREATE TABLE ir_act_server (PRIMARY KEY (id)) INHERITS (ir_actions);
CREATE TABLE ir_act_client (PRIMARY KEY (id)) INHERITS (ir_actions);

CREATE TABLE res_users (
    id serial NOT NULL PRIMARY KEY,
    active boolean DEFAULT true,
    login varchar NOT NULL,
    password varchar DEFAULT NULL,
    company_id integer NOT NULL,
    partner_id integer NOT NULL,
    share boolean,
    signature jsonb,
    action_id integer,
    -- mail (addons/mail/models/res_users.py): required, default 'email' applied by the ORM
    notification_type varchar NOT NULL,
    -- auth_oauth (addons/auth_oauth/models/res_users.py)
    oauth_provider_id integer,
    oauth_uid varchar,
    oauth_access_token varchar,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    -- base_data.sql declares login UNIQUE: PostgreSQL names it res_users_login_key
    CONSTRAINT res_users_login_key UNIQUE (login),
    CONSTRAINT res_users_uniq_users_oauth_provider_oauth_uid UNIQUE (oauth_provider_id, oauth_uid)
);

CREATE TABLE res_groups (
    id serial NOT NULL PRIMARY KEY,
    name jsonb NOT NULL,
    comment jsonb,
    share boolean,
    color integer,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);

CREATE TABLE ir_module_category (
    id serial NOT NULL PRIMARY KEY,
    create_uid integer,
    create_date timestamp without time zone,
    write_date timestamp without time zone,
    write_uid integer,
    parent_id integer REFERENCES ir_module_category (id) ON DELETE SET NULL,
    name jsonb NOT NULL,
    sequence integer,
    visible boolean
);

CREATE TABLE ir_module_module (
    id serial NOT NULL PRIMARY KEY,
    category_id integer REFERENCES ir_module_category (id) ON DELETE SET NULL,
    create_uid integer,
    create_date timestamp without time zone,
    write_date timestamp without time zone,
    write_uid integer,
    website varchar,
    summary jsonb,
    name varchar NOT NULL,
    author varchar,
    icon varchar,
    -- varchar(16) in base_data.sql; the ORM widens sized varchars to the field's (unsized) type
    state varchar,
    latest_version varchar,
    published_version varchar,
    url varchar,
    shortdesc jsonb,
    description jsonb,
    application boolean DEFAULT false,
    demo boolean DEFAULT false,
    web boolean DEFAULT false,
    license varchar,
    sequence integer DEFAULT 100,
    auto_install boolean DEFAULT false,
    to_buy boolean DEFAULT false,
    CONSTRAINT ir_module_module_name_uniq UNIQUE (name)
);

CREATE TABLE ir_module_module_dependency (
    id serial NOT NULL PRIMARY KEY,
    name varchar,
    module_id integer REFERENCES ir_module_module (id) ON DELETE CASCADE,
    auto_install_required boolean DEFAULT true,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);

CREATE TABLE ir_model_data (
    id serial NOT NULL PRIMARY KEY,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    res_id integer,
    noupdate boolean DEFAULT false,
    name varchar NOT NULL,
    module varchar NOT NULL,
    model varchar NOT NULL,
    CONSTRAINT ir_model_data_name_nospaces CHECK (name NOT LIKE '% %')
);
CREATE UNIQUE INDEX ir_model_data_module_name_uniq_index ON ir_model_data (module, name);
CREATE INDEX ir_model_data_model_res_id_index ON ir_model_data (model, res_id);

CREATE TABLE res_currency (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    symbol varchar NOT NULL,
    rounding numeric,
    decimal_places integer,
    active boolean,
    position varchar,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT res_currency_unique_name UNIQUE (name)
);

CREATE TABLE res_company (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    partner_id integer NOT NULL,
    currency_id integer NOT NULL REFERENCES res_currency (id) ON DELETE RESTRICT,
    parent_id integer REFERENCES res_company (id) ON DELETE SET NULL,
    sequence integer,
    active boolean,
    email varchar,
    phone varchar,
    -- required=True, default="Blank" (odoo/addons/base/models/res_company.py)
    layout_background varchar NOT NULL,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT res_company_name_uniq UNIQUE (name)
);
CREATE INDEX res_company_parent_id_index ON res_company (parent_id);

CREATE TABLE res_partner (
    id serial NOT NULL PRIMARY KEY,
    company_id integer REFERENCES res_company (id) ON DELETE SET NULL,
    name varchar,
    email varchar,
    phone varchar,
    city varchar,
    lang varchar,
    type varchar,
    is_company boolean,
    active boolean,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
CREATE INDEX res_partner_company_id_index ON res_partner (company_id);

ALTER TABLE res_company
    ADD CONSTRAINT res_company_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES res_partner (id) ON DELETE RESTRICT;
ALTER TABLE res_users
    ADD CONSTRAINT res_users_company_id_fkey FOREIGN KEY (company_id) REFERENCES res_company (id) ON DELETE RESTRICT,
    -- res.users _inherits res.partner: the delegate field is ondelete='restrict'
    ADD CONSTRAINT res_users_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES res_partner (id) ON DELETE RESTRICT;

CREATE TABLE res_lang (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    code varchar NOT NULL,
    iso_code varchar,
    url_code varchar NOT NULL,
    active boolean,
    direction varchar NOT NULL,
    date_format varchar NOT NULL,
    time_format varchar NOT NULL,
    week_start varchar NOT NULL,
    grouping varchar NOT NULL,
    decimal_point varchar NOT NULL,
    thousands_sep varchar,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT res_lang_name_uniq UNIQUE (name),
    CONSTRAINT res_lang_code_uniq UNIQUE (code),
    CONSTRAINT res_lang_url_code_uniq UNIQUE (url_code)
);

CREATE TABLE res_company_users_rel (
    cid integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
    user_id integer NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    PRIMARY KEY (cid, user_id)
);
CREATE INDEX res_company_users_rel_user_id_idx ON res_company_users_rel (user_id);

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

-- Only the automatic columns: create_uid is the user, create_date the login (res_users.py).
CREATE TABLE res_users_log (
    id serial NOT NULL PRIMARY KEY,
    create_uid integer REFERENCES res_users (id) ON DELETE SET NULL,
    create_date timestamp without time zone,
    write_uid integer REFERENCES res_users (id) ON DELETE SET NULL,
    write_date timestamp without time zone
);
CREATE INDEX res_users_log_create_uid_idx ON res_users_log (create_uid);

CREATE TABLE ir_model (
    id serial NOT NULL PRIMARY KEY,
    model varchar NOT NULL,
    name jsonb NOT NULL,
    "order" varchar NOT NULL,
    info text,
    state varchar,
    transient boolean,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT ir_model_obj_name_uniq UNIQUE (model)
);

CREATE TABLE ir_config_parameter (
    id serial NOT NULL PRIMARY KEY,
    key varchar NOT NULL,
    value text NOT NULL,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT ir_config_parameter_key_uniq UNIQUE (key)
);

-- ir.actions.server (odoo/addons/base/models/ir_actions.py), in the child table of ir_actions.
ALTER TABLE ir_act_server
    ADD COLUMN usage varchar NOT NULL,
    ADD COLUMN state varchar NOT NULL,
    ADD COLUMN sequence integer,
    ADD COLUMN model_id integer NOT NULL REFERENCES ir_model (id) ON DELETE CASCADE,
    ADD COLUMN model_name varchar,
    ADD COLUMN code text,
    ADD COLUMN crud_model_id integer REFERENCES ir_model (id) ON DELETE SET NULL,
    ADD CONSTRAINT ir_act_server_binding_model_id_fkey FOREIGN KEY (binding_model_id) REFERENCES ir_model (id) ON DELETE CASCADE;

-- ir.cron _inherits ir.actions.server: the cron's name, model and code live in its server action.
CREATE TABLE ir_cron (
    id serial NOT NULL PRIMARY KEY,
    ir_actions_server_id integer NOT NULL REFERENCES ir_act_server (id) ON DELETE RESTRICT,
    cron_name varchar,
    user_id integer NOT NULL REFERENCES res_users (id) ON DELETE RESTRICT,
    active boolean,
    nextcall timestamp without time zone NOT NULL,
    lastcall timestamp without time zone,
    priority integer,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
CREATE INDEX ir_cron_ir_actions_server_id_index ON ir_cron (ir_actions_server_id);

-- odoo/addons/base/models/ir_mail_server.py; smtp_host/smtp_port requiredness is per version.
CREATE TABLE ir_mail_server (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    from_filter varchar,
    smtp_host varchar,
    smtp_port integer,
    -- required=True, default='login' since 15.0
    smtp_authentication varchar NOT NULL,
    smtp_user varchar,
    smtp_pass varchar,
    smtp_encryption varchar NOT NULL,
    smtp_ssl_certificate bytea,
    smtp_ssl_private_key bytea,
    smtp_debug boolean,
    sequence integer,
    active boolean,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);

CREATE TABLE ir_ui_view (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    model varchar,
    key varchar,
    priority integer NOT NULL,
    type varchar,
    arch_db jsonb,
    arch_fs varchar,
    inherit_id integer REFERENCES ir_ui_view (id) ON DELETE RESTRICT,
    mode varchar NOT NULL,
    active boolean,
    -- website adds website_id; the template carries website's tables
    website_id integer,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
CREATE INDEX ir_ui_view_model_type_inherit_id ON ir_ui_view (model, inherit_id);

CREATE TABLE ir_attachment (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    description text,
    res_model varchar,
    res_field varchar,
    res_id integer,
    company_id integer REFERENCES res_company (id) ON DELETE SET NULL,
    type varchar NOT NULL,
    url varchar(1024),
    public boolean,
    access_token varchar,
    db_datas bytea,
    store_fname varchar,
    file_size integer,
    checksum varchar(40),
    mimetype varchar,
    index_content text,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
CREATE INDEX ir_attachment_res_idx ON ir_attachment (res_model, res_id);
CREATE INDEX ir_attachment_store_fname_index ON ir_attachment (store_fname);

-- addons/auth_oauth/models/auth_oauth.py
CREATE TABLE auth_oauth_provider (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    client_id varchar,
    auth_endpoint varchar NOT NULL,
    scope varchar,
    validation_endpoint varchar NOT NULL,
    data_endpoint varchar,
    enabled boolean,
    css_class varchar,
    -- translate=True
    body jsonb NOT NULL,
    sequence integer,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
ALTER TABLE res_users
    ADD CONSTRAINT res_users_oauth_provider_id_fkey FOREIGN KEY (oauth_provider_id) REFERENCES auth_oauth_provider (id) ON DELETE SET NULL;

-- addons/mail/models/mail_message.py
CREATE TABLE mail_message (
    id serial NOT NULL PRIMARY KEY,
    subject varchar,
    date timestamp without time zone,
    body text,
    model varchar,
    res_id integer,
    record_name varchar,
    -- required=True, default='email'
    message_type varchar NOT NULL,
    author_id integer REFERENCES res_partner (id) ON DELETE SET NULL,
    email_from varchar,
    message_id varchar,
    reply_to varchar,
    mail_server_id integer REFERENCES ir_mail_server (id) ON DELETE SET NULL,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
CREATE INDEX mail_message_model_res_id_idx ON mail_message (model, res_id);
CREATE INDEX mail_message_message_id_index ON mail_message (message_id);

-- mail.mail _inherits mail.message: subject, sender, Message-Id and mail server live in mail_message.
CREATE TABLE mail_mail (
    id serial NOT NULL PRIMARY KEY,
    mail_message_id integer NOT NULL REFERENCES mail_message (id) ON DELETE CASCADE,
    body_html text,
    email_to text,
    email_cc varchar,
    state varchar,
    failure_type varchar,
    failure_reason text,
    auto_delete boolean,
    is_notification boolean,
    scheduled_date timestamp without time zone,
    fetchmail_server_id integer,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
CREATE INDEX mail_mail_mail_message_id_index ON mail_mail (mail_message_id);
CREATE INDEX mail_mail_state_index ON mail_mail (state);

-- addons/mail/models/mail_template.py
CREATE TABLE mail_template (
    id serial NOT NULL PRIMARY KEY,
    name jsonb,
    model_id integer REFERENCES ir_model (id) ON DELETE SET NULL,
    model varchar,
    subject jsonb,
    email_from varchar,
    email_to varchar,
    partner_to varchar,
    body_html jsonb,
    lang varchar,
    mail_server_id integer REFERENCES ir_mail_server (id) ON DELETE SET NULL,
    auto_delete boolean,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);

-- fetchmail.server: module fetchmail in 16.0, part of mail from 17.0 on; same table.
CREATE TABLE fetchmail_server (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    active boolean,
    state varchar,
    server varchar,
    port integer,
    -- required=True, default='imap'
    server_type varchar NOT NULL,
    is_ssl boolean,
    attach boolean,
    original boolean,
    date timestamp without time zone,
    "user" varchar,
    password varchar,
    object_id integer REFERENCES ir_model (id) ON DELETE SET NULL,
    priority integer,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
ALTER TABLE mail_mail
    ADD CONSTRAINT mail_mail_fetchmail_server_id_fkey FOREIGN KEY (fetchmail_server_id) REFERENCES fetchmail_server (id) ON DELETE SET NULL;

-- addons/mass_mailing/models/mailing_trace.py
CREATE TABLE mailing_trace (
    id serial NOT NULL PRIMARY KEY,
    -- required=True, default='mail'
    trace_type varchar NOT NULL,
    is_test_trace boolean,
    mail_mail_id integer REFERENCES mail_mail (id) ON DELETE SET NULL,
    mail_mail_id_int integer,
    email varchar,
    message_id varchar,
    -- required=True
    model varchar NOT NULL,
    res_id integer,
    trace_status varchar,
    failure_type varchar,
    failure_reason text,
    sent_datetime timestamp without time zone,
    open_datetime timestamp without time zone,
    reply_datetime timestamp without time zone,
    links_click_datetime timestamp without time zone,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);
CREATE INDEX mailing_trace_mail_mail_id_index ON mailing_trace (mail_mail_id) WHERE mail_mail_id IS NOT NULL;
CREATE INDEX mailing_trace_trace_status_index ON mailing_trace (trace_status);

-- addons/iap/models/iap_account.py; how the service is stored differs per version.
CREATE TABLE iap_account (
    id serial NOT NULL PRIMARY KEY,
    account_token varchar(43),
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);

CREATE TABLE iap_account_res_company_rel (
    iap_account_id integer NOT NULL REFERENCES iap_account (id) ON DELETE CASCADE,
    res_company_id integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
    PRIMARY KEY (iap_account_id, res_company_id)
);
CREATE INDEX iap_account_res_company_rel_res_company_id_idx ON iap_account_res_company_rel (res_company_id);

-- addons/payment/models/payment_provider.py
CREATE TABLE payment_provider (
    id serial NOT NULL PRIMARY KEY,
    -- translate=True
    name jsonb NOT NULL,
    sequence integer,
    -- required=True selection, extended by each payment_<x> module
    code varchar NOT NULL,
    -- required=True, default='disabled'
    state varchar NOT NULL,
    is_published boolean,
    company_id integer NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
    module_id integer REFERENCES ir_module_module (id) ON DELETE SET NULL,
    allow_tokenization boolean,
    capture_manually boolean,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone
);

-- addons/website/models/website.py
CREATE TABLE website (
    id serial NOT NULL PRIMARY KEY,
    name varchar NOT NULL,
    sequence integer,
    domain varchar,
    company_id integer NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
    default_lang_id integer NOT NULL REFERENCES res_lang (id) ON DELETE RESTRICT,
    user_id integer NOT NULL REFERENCES res_users (id) ON DELETE RESTRICT,
    cdn_activated boolean,
    cdn_url varchar,
    robots_txt text,
    create_uid integer,
    create_date timestamp without time zone,
    write_uid integer,
    write_date timestamp without time zone,
    CONSTRAINT website_domain_unique UNIQUE (domain)
);
ALTER TABLE ir_ui_view
    ADD CONSTRAINT ir_ui_view_website_id_fkey FOREIGN KEY (website_id) REFERENCES website (id) ON DELETE CASCADE;
