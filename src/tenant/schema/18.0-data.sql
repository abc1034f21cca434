-- Odoo 18.0 data on top of base-data.sql.
-- iap.service records, each created by the module that sells the service (iap_service_data.xml).
INSERT INTO iap_service (id, name, technical_name, description, unit_name, integer_balance) VALUES
    (1, 'SMS', 'sms', '{"en_US": "Send SMS to your contacts directly from your database."}', '{"en_US": "Credits"}', false),
    (2, 'Partner Autocomplete', 'partner_autocomplete', '{"en_US": "Automatically enrich your contact base with company data."}', '{"en_US": "Credits"}', true),
    (3, 'Documents Digitization', 'invoice_ocr', '{"en_US": "Digitize your documents with AI."}', '{"en_US": "Credits"}', true),
    (4, 'Snail Mail', 'snailmail', '{"en_US": "Send your documents by post."}', '{"en_US": "Stamps"}', false),
    (5, 'Lead Generation', 'reveal', '{"en_US": "Generate leads from your website visitors."}', '{"en_US": "Credits"}', true);
INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid) VALUES
    ('sms', 'iap_service_sms', 'iap.service', 1, true, 1, 1),
    ('partner_autocomplete', 'iap_service_partner_autocomplete', 'iap.service', 2, true, 1, 1),
    ('iap_extract', 'iap_service_invoice_ocr', 'iap.service', 3, true, 1, 1),
    ('snailmail', 'iap_service_snailmail', 'iap.service', 4, true, 1, 1),
    ('crm_iap_mine', 'iap_service_reveal', 'iap.service', 5, true, 1, 1);
