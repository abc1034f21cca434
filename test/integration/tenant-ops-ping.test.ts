import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { DemoUser } from '../../src/demo/catalog.js';
import { quoteDatabaseName } from '../../src/hosting/database-name.js';
import { pingDatabase } from '../../src/ping/ping.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let helpdesk: AgentSession;

beforeAll(async () => {
  app = await connectTestApp();
  helpdesk = await AgentSession.login('helpdesk');
});
afterAll(() => app.close());

const person = (login: string, extra: Partial<DemoUser>): DemoUser => ({
  login,
  name: login,
  admin: false,
  share: false,
  active: true,
  ...extra,
});

describe('ping', () => {
  it("reports usage as Odoo's update notification counts it, stores it, and shows it on the Tools page", async () => {
    const db = await createTestTenant(app, {
      prefix: 'ping',
      // Old enough that seeded logins are not clamped to the creation date.
      metabase: {
        subcode: 'M2401011234567',
        mode: 'paid',
        version: '17.0',
        create_date: new Date(Date.now() - 100 * 86_400_000),
      },
      tenant: {
        apps: ['crm', 'stock', 'project'],
        users: [
          person('owner@ping.example', { admin: true, lastLoginDaysAgo: 0 }),
          person('recent@ping.example', { lastLoginDaysAgo: 14 }),
          person('old@ping.example', { lastLoginDaysAgo: 16 }),
          person('never@ping.example', {}),
          person('archived@ping.example', { active: false, lastLoginDaysAgo: 1 }),
          person('portal-recent@customer.example', { share: true, lastLoginDaysAgo: 2 }),
          person('portal-old@customer.example', { share: true, lastLoginDaysAgo: 30 }),
        ],
      },
    });
    const res = await helpdesk.run(db.name, 'ping', {});
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({
      status: 'OK',
      usage: {
        // active users, share users included; archived ones and __system__/public (inactive) excluded
        users: 6,
        activeUsers: 3,
        shareUsers: 2,
        activeShareUsers: 1,
        apps: ['crm', 'project', 'stock'],
        version: '17.0',
        createDate: db.create_date.toISOString().slice(0, 19).replace('T', ' '),
        enterpriseCode: 'M2401011234567',
      },
    });
    const page = await helpdesk.call('GET /api/databases/:name', { params: { name: db.name } });
    expect(page.body.tools.ping.lastPing).toMatchObject({
      status: 'OK',
      usage: res.body.result.usage,
      reason: null,
    });
    const rows = await app.metabase
      .selectFrom('database_ping')
      .selectAll()
      .where('database_name', '=', db.name)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('answers KO with the reason when the PostgreSQL database is gone, records it and logs the operation', async () => {
    const db = await createTestTenant(app, { prefix: 'ping' });
    await app.tenants.withCluster(db.server_id, (c) =>
      c.query(`DROP DATABASE ${quoteDatabaseName(db.name)} WITH (FORCE)`),
    );
    const res = await helpdesk.run(db.name, 'ping', {});
    expect(res.status).toBe(200);
    expect(res.body.result.status).toBe('KO');
    expect(res.body.result.reason).toMatch(/does not exist/);
    const page = await helpdesk.call('GET /api/databases/:name', { params: { name: db.name } });
    expect(page.status).toBe(200);
    expect(page.body.tools.ping.lastPing).toMatchObject({
      status: 'KO',
      usage: null,
      reason: res.body.result.reason,
    });
    // Sections that read the tenant show an error instead of breaking the page.
    expect(page.body.tools.company_users.error).toMatch(/cannot be reached/);
    const log = await helpdesk.call('GET /api/databases/:name/support-logs', { params: { name: db.name } });
    expect(log.body.entries[0]).toMatchObject({
      operation: 'ping',
      outcome: 'success',
      agent_login: 'helpdesk',
    });
  });

  it('pingDatabase, the service the schedule calls, records without an operation', async () => {
    const db = await createTestTenant(app, { prefix: 'ping' });
    const result = await pingDatabase(app, db);
    expect(result.status).toBe('OK');
    const last = await app.metabase
      .selectFrom('database_ping')
      .selectAll()
      .where('database_name', '=', db.name)
      .executeTakeFirstOrThrow();
    expect(last.status).toBe('OK');
  });

  it('is refused to a viewer', async () => {
    const viewer = await AgentSession.login('viewer');
    expect((await viewer.run('acme-bakery', 'ping', {})).status).toBe(403);
  });
});
