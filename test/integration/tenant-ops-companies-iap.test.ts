import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };

beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app.close());

interface Company {
  id: number;
  name: string;
  parent: { id: number; name: string } | null;
  currency: string;
  internalUsers: number;
}

describe('companies', () => {
  it('lists companies with their parent, currency and the internal users allowed in each (read-only on a demo database)', async () => {
    const helpdesk = await AgentSession.login('helpdesk');
    const page = await helpdesk.get('/api/databases/oakridge-brewing');
    const companies = page.body.tools.company_users.companies as Company[];
    expect(companies.map((c) => c.name)).toEqual([
      'Oakridge Brewing Co.',
      'Oakridge Distribution LLC',
      'Oakridge Taproom',
    ]);
    expect(companies[2].parent).toEqual({ id: companies[0].id, name: 'Oakridge Brewing Co.' });
    expect(companies[0].parent).toBeNull();
    expect(companies.every((c) => c.currency === 'USD')).toBe(true);
    const db = (await findDatabase(app.metabase, 'oakridge-brewing'))!;
    const counts = await app.tenants.withTenant(
      db,
      async (c) =>
        (
          await c.query<{ cid: number; n: number }>(
            `SELECT r.cid, count(*)::int AS n FROM res_company_users_rel r JOIN res_users u ON u.id = r.user_id
            WHERE u.active AND NOT u.share GROUP BY r.cid`,
          )
        ).rows,
    );
    for (const c of companies) expect(c.internalUsers).toBe(counts.find((x) => x.cid === c.id)?.n ?? 0);
    expect(companies[0].internalUsers).toBeGreaterThan(0);
  });

  it('is not shown to a viewer', async () => {
    const viewer = await AgentSession.login('viewer');
    expect((await viewer.get('/api/databases/oakridge-brewing')).body.tools.company_users).toBeUndefined();
  });
});

describe('IAP accounts', () => {
  it('shows masked tokens, companies and the balance from the platform ledger (read-only on a demo database)', async () => {
    const technical = await AgentSession.login('technical');
    const tool = (await technical.get('/api/databases/oakridge-brewing')).body.tools.iap_accounts;
    expect(tool.accounts.length).toBeGreaterThan(0);
    expect(tool.grant).toEqual({ allowed: false, maxCredits: 10_000 });
    const db = (await findDatabase(app.metabase, 'oakridge-brewing'))!;
    const tokens = await app.tenants.withTenant(
      db,
      async (c) =>
        (await c.query<{ id: number; account_token: string }>('SELECT id, account_token FROM iap_account'))
          .rows,
    );
    for (const account of tool.accounts) {
      const token = tokens.find((t) => t.id === account.id)!.account_token;
      expect(account.token).not.toContain(token);
      expect(account.token).toBe(`${token.slice(0, 4)}…${token.slice(-4)}`);
      expect(account.companies.length).toBeGreaterThan(0);
      const ledger = await app.metabase
        .selectFrom('iap_credit_ledger')
        .select('credits')
        .where('account_token', '=', token)
        .execute();
      expect(ledger.length).toBeGreaterThan(0);
      expect(account.balance).toBe(ledger.reduce((n, e) => n + e.credits, 0));
    }
  });

  it('grant-iap-credits needs level 4, is bounded, and adds a ledger entry', async () => {
    const db = await createTestTenant(app, { base: 'oakridge-brewing', prefix: 'iap' });
    const office = await AgentSession.login('saas-office');
    const technical = await AgentSession.login('technical');
    const [account] = (await office.get(`/api/databases/${db.name}`)).body.tools.iap_accounts.accounts;
    expect(account.balance).toBe(0);

    expect(
      (
        await technical.run(db.name, 'grant-iap-credits', {
          account: account.id,
          credits: 100,
          reason: 'goodwill',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await office.run(db.name, 'grant-iap-credits', {
          account: account.id,
          credits: 10_001,
          reason: 'too much',
        })
      ).status,
    ).toBe(422);
    expect(
      (await office.run(db.name, 'grant-iap-credits', { account: account.id, credits: 0, reason: 'nothing' }))
        .status,
    ).toBe(422);
    expect(
      (await office.run(db.name, 'grant-iap-credits', { account: 999_999, credits: 10, reason: 'nobody' }))
        .status,
    ).toBe(404);

    const res = await office.run(db.name, 'grant-iap-credits', {
      account: account.id,
      credits: 250,
      reason: 'SMS outage compensation',
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ account: account.id, credits: 250, balance: 250 });
    const tool = (await office.get(`/api/databases/${db.name}`)).body.tools.iap_accounts;
    expect(tool.accounts.find((a: { id: number }) => a.id === account.id).balance).toBe(250);
    expect(tool.grant.allowed).toBe(true);
    const entry = await app.metabase
      .selectFrom('iap_credit_ledger')
      .selectAll()
      .where('database_name', '=', db.name)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({
      credits: 250,
      reason: 'SMS outage compensation',
      agent_login: 'saas-office',
    });
  });

  it('keys a neutralized token (+disabled) to the same ledger account and shows the suffix', async () => {
    const db = await createTestTenant(app, {
      base: 'oakridge-brewing',
      prefix: 'iap',
      tenant: { neutralized: true },
    });
    const office = await AgentSession.login('saas-office');
    const [account] = (await office.get(`/api/databases/${db.name}`)).body.tools.iap_accounts.accounts;
    expect(account.token).toMatch(/^.{4}….{4}\+disabled$/);
    await office.run(db.name, 'grant-iap-credits', { account: account.id, credits: 40, reason: 'test' });
    const token = await app.tenants.withTenant(
      db,
      async (c) =>
        (
          await c.query<{ t: string }>('SELECT account_token AS t FROM iap_account WHERE id = $1', [
            account.id,
          ])
        ).rows[0].t,
    );
    const entry = await app.metabase
      .selectFrom('iap_credit_ledger')
      .selectAll()
      .where('database_name', '=', db.name)
      .executeTakeFirstOrThrow();
    expect(entry.account_token).toBe(token.replace('+disabled', ''));
  });
});
