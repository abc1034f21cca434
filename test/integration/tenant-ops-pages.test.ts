import { describe, expect, it } from 'vitest';
import { demoDatabases } from '../../src/demo/catalog.js';
import { AgentSession } from '../support/http.js';

const SECTIONS = [
  'impersonation',
  'admin_rights',
  'oauth_admin',
  'security_features',
  'ping',
  'company_users',
  'iap_accounts',
];

describe('tenant sections of the Tools page', () => {
  it('render on every demo database for the highest level, with the seeded central accounts and IAP ledger', async () => {
    const infra = await AgentSession.login('infra');
    // Only the demo databases: other test files create (and drop) tenants of their own meanwhile.
    const names = demoDatabases(new Date()).map((d) => ({ name: d.metabase.name }));
    const statuses = new Set<string>();
    const firstAdmins: { name: string; status: string }[] = [];
    let balances = 0;
    const started = performance.now();
    for (const { name } of names) {
      const page = await infra.get(`/api/databases/${name}`);
      expect(page.status, name).toBe(200);
      for (const key of SECTIONS) {
        expect(page.body.tools[key], `${name} ${key}`).toBeDefined();
        expect(page.body.tools[key].error, `${name} ${key}`).toBeUndefined();
      }
      for (const a of page.body.tools.oauth_admin.admins) statuses.add(a.status);
      const firstAdmin = page.body.tools.oauth_admin.admins.find(
        (a: { isAdmin: boolean; account: unknown }) => a.isAdmin && a.account,
      );
      if (firstAdmin) firstAdmins.push({ name, status: firstAdmin.status });
      // A database seeded with security features on has its front-end file, as set-security writes it.
      if (page.body.database.secure) expect(page.body.tools.security_features.configured, name).toBe(true);
      for (const a of page.body.tools.iap_accounts.accounts) balances += a.balance > 0 ? 1 : 0;
    }
    console.log(`tenant-ops: ${names.length} Tools pages in ${Math.round(performance.now() - started)} ms`);
    expect([...statuses].sort()).toEqual(['full_oauth', 'linked', 'no_account', 'not_linked']);
    // The platform links a database's first administrator to their central account by default.
    expect(firstAdmins.length).toBeGreaterThan(0);
    expect(firstAdmins.filter((a) => a.status !== 'linked')).toEqual([]);
    expect(balances).toBeGreaterThan(0);
  });
});
