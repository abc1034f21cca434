-- Odoo saas~17.1 and later (18.0 here).

-- Web push (saas~17.1 and later): mail.partner.device became mail.push.device and
-- mail.notification.web_push became mail.push, its device column mail_push_device_id
-- (addons/mail/models/mail_push.py, mail_push_device.py).
ALTER TABLE mail_partner_device RENAME TO mail_push_device;
ALTER TABLE mail_push_device RENAME CONSTRAINT mail_partner_device_endpoint_unique TO mail_push_device_endpoint_unique;
ALTER TABLE mail_notification_web_push RENAME TO mail_push;
ALTER TABLE mail_push RENAME COLUMN user_device TO mail_push_device_id;
