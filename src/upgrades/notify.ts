import type { App } from '../app.js';
import type { Config } from '../config/config.js';
import { databaseOrigin } from '../frontend/host-name.js';
import { sendMail } from '../mail/mailer.js';
import type { DatabaseRow, UpgradeRequestRow } from '../metabase/schema.js';
import { findDefaultAdmin } from '../tenant/users.js';

/**
 * Where this upgrade's e-mails go: the address given with the request, else the customer (the
 * database's administrator, whose login is their e-mail on the platform). Null: nobody to tell.
 */
export async function upgradeRecipient(app: App, request: UpgradeRequestRow, customerDb: DatabaseRow): Promise<string | null> {
  if (request.email) return request.email;
  const admin = await app.tenants.withTenant(customerDb, (client) => findDefaultAdmin(client)).catch(() => undefined);
  return admin?.login.includes('@') ? admin.login : null;
}

/** A hosted database's address, built from the platform's zone (never from tenant data). */
export function databaseUrl(config: Pick<Config, 'platformZone' | 'platformHttps'>, name: string): string {
  return `${databaseOrigin(name, config)}/web`;
}

/** The e-mail of a finished upgrade, per mode (Internal sends none). */
export async function sendUpgradeDoneMail(
  app: App,
  request: UpgradeRequestRow,
  to: string,
): Promise<void> {
  const db = request.database_name;
  if (request.mode === 'copy') {
    const url = databaseUrl(app.config, request.result_database!);
    await sendMail(app, {
      to,
      subject: `Your test upgrade of ${db} to Odoo ${request.target} is ready`,
      text:
        `An upgraded copy of your database ${db} (Odoo ${request.target}) is ready for you to test:\n${url}\n\n` +
        `It is a neutralized test copy: it sends no e-mail and runs no scheduled action, and it is removed after a few hours. ` +
        `Your production database is unchanged. Once you have checked the copy, ask us for the production upgrade.\n`,
    });
    return;
  }
  const url = databaseUrl(app.config, db);
  await sendMail(app, {
    to,
    subject: `Your database ${db} now runs Odoo ${request.target}`,
    text:
      `${request.mode === 'rolling' ? 'The rolling release' : 'The upgrade'} of your database ${db} to Odoo ${request.target} is done: ${url}\n\n` +
      `A backup of the database as it was before the upgrade is kept.\n`,
  });
}
