import { access } from 'node:fs/promises';
import { adminLinks } from '../accounts/admin-links.js';
import { HSTS, siteFile } from '../frontend/index.js';
import { findAccountsByLogins } from '../metabase/repositories/central-accounts.js';
import { iapBalances } from '../metabase/repositories/iap-credits.js';
import { lastPing } from '../metabase/repositories/pings.js';
import { MAX_IAP_GRANT } from '../operations/grant-iap-credits.js';
import { listCompanies } from '../tenant/companies.js';
import { listIapAccounts } from '../tenant/iap.js';
import { ledgerToken, maskToken } from '../tenant/iap-token.js';
import { listOauthProviders, platformProviderId } from '../tenant/oauth.js';
import { defineTool } from './define.js';
import { pageInternalUsers } from './internal-users.js';

/** oauth_admin: every active internal user and how they stand towards the central accounts. */
export const oauthAdminTool = defineTool({
  key: 'oauth_admin',
  async model({ app, database }) {
    const [users, { providerId, providers }] = await Promise.all([
      pageInternalUsers(app, database),
      app.tenants.withTenant(database, async (client) => ({
        providerId: await platformProviderId(client),
        providers: await listOauthProviders(client),
      })),
    ]);
    const accounts = await findAccountsByLogins(app.metabase, [...new Set(users.map((u) => u.login))]);
    return { admins: adminLinks(users, providerId, providers, accounts) };
  },
});

/** security_features: the `secure` flag and the generated front-end file. */
export const securityTool = defineTool({
  key: 'security_features',
  async model({ app, database }) {
    const server = await app.tenants.server(database.server_id);
    const configFile = siteFile(server, database.name);
    const configured = await access(configFile).then(
      () => true,
      () => false,
    );
    return {
      secure: database.secure,
      hsts: database.secure ? HSTS : null,
      sessionCookie: database.secure ? 'Secure; SameSite=Lax' : 'as Odoo sets it (HttpOnly)',
      configFile,
      configured,
    };
  },
});

/** ping: the last ping and the usage it read. */
export const pingTool = defineTool({
  key: 'ping',
  async model({ app, database }) {
    const last = await lastPing(app.metabase, database.name);
    return {
      lastPing: last ? { at: last.at, status: last.status, usage: last.usage, reason: last.reason } : null,
    };
  },
});

/** company_users: the tenant's companies. */
export const companiesTool = defineTool({
  key: 'company_users',
  async model({ app, database }) {
    return { companies: await app.tenants.withTenant(database, listCompanies) };
  },
});

/** iap_accounts: the tenant's IAP accounts with their balance from the platform's ledger. */
export const iapAccountsTool = defineTool({
  key: 'iap_accounts',
  async model({ app, database, agent }) {
    const accounts = await app.tenants.withTenant(database, (client) => listIapAccounts(client));
    const tokens = accounts.flatMap((a) => (a.accountToken ? [ledgerToken(a.accountToken)] : []));
    const balances = await iapBalances(app.metabase, tokens);
    return {
      accounts: accounts.map((a) => ({
        id: a.id,
        service: a.service,
        token: maskToken(a.accountToken),
        companies: a.companies,
        balance: a.accountToken ? (balances.get(ledgerToken(a.accountToken)) ?? 0) : 0,
      })),
      grant: { allowed: app.policy.allows(agent.level, 'iap_credits'), maxCredits: MAX_IAP_GRANT },
    };
  },
});
