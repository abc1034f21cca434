import type { App } from '../app.js';
import { addDays } from '../dates.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { ensureAccounts } from '../metabase/repositories/central-accounts.js';
import { insertIapCredits } from '../metabase/repositories/iap-credits.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { listIapAccounts } from '../tenant/iap.js';
import { ledgerToken } from '../tenant/iap-token.js';
import type { DemoDatabase } from './catalog.js';
import { Prng } from './prng.js';

/**
 * The platform side of the demo tenants: a central account for each administrator with an
 * e-mail login (the historical `admin` login has none: "create it first"), and an IAP credit
 * ledger (a purchase and some usage) for every IAP account the tenants hold.
 */
export async function seedTenantOpsDemo(
  app: App,
  tx: MetabaseDb,
  server: HostingServerRow,
  specs: DemoDatabase[],
): Promise<void> {
  const admins = specs.flatMap((s) => s.tenant.users.filter((u) => u.admin && u.login.includes('@')));
  await ensureAccounts(
    tx,
    [...new Map(admins.map((u) => [u.login, { login: u.login, name: u.name }])).values()].sort((a, b) =>
      a.login.localeCompare(b.login),
    ),
  );

  const perDatabase = await Promise.all(
    specs
      .filter((s) => s.tenant.iapServices.length > 0)
      .map(async (s) => ({
        spec: s,
        accounts: await app.tenants.withTenant({ name: s.metabase.name, server_id: server.id }, (c) =>
          listIapAccounts(c),
        ),
      })),
  );
  const entries = perDatabase.flatMap(({ spec, accounts }) =>
    accounts.flatMap((a) => {
      if (!a.accountToken || !a.service) return [];
      const prng = new Prng(`dbtools-demo-iap:${spec.metabase.name}:${a.id}`);
      const bought = prng.int(5, 50) * 100;
      const created = spec.metabase.create_date;
      const base = {
        account_token: ledgerToken(a.accountToken),
        service_name: a.service,
        database_name: spec.metabase.name,
        agent_login: null,
      };
      return [
        {
          ...base,
          credits: bought,
          reason: 'Credit pack purchase',
          at: addDays(created, 1),
        },
        {
          ...base,
          credits: -prng.int(0, Math.floor(bought * 0.9)),
          reason: 'Usage',
          at: new Date(Math.min(app.now().getTime(), addDays(created, 2).getTime())),
        },
      ];
    }),
  );
  await insertIapCredits(tx, entries);
}
