import type { App } from '../app.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { findAccountsByLogins } from '../metabase/repositories/central-accounts.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { platformProviderId, setOauthLink } from '../tenant/oauth.js';
import { findInternalUser } from '../tenant/users.js';
import type { DemoDatabase } from './catalog.js';

/**
 * The platform links a new database's first administrator to their central account (the
 * oauth_admin section says so): the demo does the same, with auth_oauth's pair (the platform
 * provider, the account id). A database whose first administrators have no account (the
 * historical `admin` login) stays unlinked: the page shows "create it first".
 */
export async function linkDemoAdmins(
  app: App,
  tx: MetabaseDb,
  server: HostingServerRow,
  specs: DemoDatabase[],
): Promise<void> {
  const logins = [...new Set(specs.flatMap((s) => s.tenant.users.filter((u) => u.admin).map((u) => u.login)))];
  const accounts = new Map((await findAccountsByLogins(tx, logins)).map((a) => [a.login, a]));
  for (const spec of specs) {
    const first = spec.tenant.users.find((u) => u.admin && u.active && !u.share && accounts.has(u.login));
    if (!first) continue;
    const account = accounts.get(first.login)!;
    await app.tenants.withTenantTransaction({ name: spec.metabase.name, server_id: server.id }, async (client) => {
      const providerId = await platformProviderId(client);
      const user = await findInternalUser(client, { login: first.login }, true);
      if (providerId === undefined || !user) return;
      await setOauthLink(client, user.id, providerId, String(account.id));
    });
  }
}
