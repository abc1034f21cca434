import { access } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { publicCanConnect } from '../../src/hosting/database-copy.js';
import { databaseExists } from '../../src/hosting/cluster-databases.js';
import { reapExpiredDatabases } from '../../src/jobs/reaper.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let functional: AgentSession;
beforeAll(async () => {
  app = await connectTestApp();
  functional = await AgentSession.login('functional');
});
afterAll(() => app.close());

const DAY = 86_400_000;

async function validation(session: AgentSession, db: string): Promise<string> {
  const page = await session.get(`/api/databases/${db}`);
  return page.body.tools.drop.drop.validationNumber;
}

/** A login of another role than the tenant's: the default PUBLIC rights would let it connect. */
async function otherLogin(db: DatabaseRow): Promise<{ connect(): Promise<void> }> {
  const server = await embeddedServer(app);
  const role = `r_${db.name.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
  await app.tenants.withCluster(db.server_id, (admin) =>
    admin.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD 'pw'`),
  );
  return {
    async connect() {
      const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: role, password: 'pw', database: db.name });
      c.on('error', () => undefined);
      await c.connect();
      await c.end();
    },
  };
}

/** A session of the tenant's own role (what the database's Odoo worker holds), left open. */
async function tenantSession(db: DatabaseRow): Promise<pg.Client> {
  const server = await embeddedServer(app);
  const c = new pg.Client(app.tenants.tenantConfig(server, db.name));
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

describe('drop and undrop', () => {
  it('drop refuses a paid database until it is unlinked', async () => {
    const db = await createTestTenant(app, { metabase: { mode: 'paid' } });
    const res = await functional.run(db.name, 'drop', { validation: await validation(functional, db.name) });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/unlinked from its subscription/);
    expect((await findDatabase(app.metabase, db.name))!.mode).toBe('paid');
  });

  it('drop needs the validation number shown on the page', async () => {
    const db = await createTestTenant(app);
    const good = await validation(functional, db.name);
    const res = await functional.run(db.name, 'drop', { validation: good === '123456' ? '654321' : '123456' });
    expect(res.status).toBe(422);
    expect((await findDatabase(app.metabase, db.name))!.mode).toBe('trial');
  });

  it('drop puts the database in drop mode for the drop delay and ends its sessions; only its own role ever connects; undrop brings it back', async () => {
    const db = await createTestTenant(app);
    const other = await otherLogin(db);
    await expect(other.connect()).rejects.toThrow(/permission denied/);
    const session = await tenantSession(db);
    const res = await functional.run(db.name, 'drop', { validation: await validation(functional, db.name) });
    expect(res.status).toBe(200);
    expect((await waitForJob(functional, res.body.job.id)).state).toBe('completed');
    const row = (await findDatabase(app.metabase, db.name))!;
    expect(row.mode).toBe('drop');
    expect(Math.abs(row.expire_date!.getTime() - Date.now() - 7 * DAY)).toBeLessThan(60_000);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(await app.tenants.withCluster(db.server_id, (a) => publicCanConnect(a, db.name))).toBe(false);
    // The platform keeps access, as the tenant's role.
    expect(await app.tenants.withTenant(db, async (c) => (await c.query('SELECT 1 AS one')).rows[0].one)).toBe(1);
    const page = await functional.get(`/api/databases/${db.name}`);
    expect(page.body.tools.drop).toMatchObject({ mode: 'drop', undrop: { possible: true } });
    expect(new Date(page.body.tools.drop.removalDate).getTime()).toBe(row.expire_date!.getTime());

    const undrop = await functional.run(db.name, 'undrop', {});
    expect(undrop.status).toBe(200);
    expect(undrop.body.result).toMatchObject({ mode: 'trial', extra_apps: true });
    expect(Math.abs(new Date(undrop.body.result.expire_date).getTime() - Date.now() - 15 * DAY)).toBeLessThan(60_000);
    await (await tenantSession(db)).end();
    await expect(other.connect()).rejects.toThrow(/permission denied/);
    expect(await app.tenants.withCluster(db.server_id, (a) => publicCanConnect(a, db.name))).toBe(false);
  });

  it('undrop as free gives one-app free for 3 months', async () => {
    const db = await createTestTenant(app, { metabase: { mode: 'drop' } });
    const res = await functional.run(db.name, 'undrop', { free: true });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ mode: 'trial', extra_apps: false });
    expect(new Date(res.body.result.expire_date).getTime()).toBeGreaterThan(Date.now() + 88 * DAY);
  });

  it('undrop refuses a closed or cancelled subscription with the page’s explanation', async () => {
    for (const status of ['close', 'cancel']) {
      const db = await createTestTenant(app, { metabase: { mode: 'drop', status } });
      const page = await functional.get(`/api/databases/${db.name}`);
      expect(page.body.tools.drop.undrop.possible).toBe(false);
      const res = await functional.run(db.name, 'undrop', {});
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe(page.body.tools.drop.undrop.reason);
      expect(res.body.error.message).toMatch(/must be re-opened/);
    }
  });
});

describe('reaper', () => {
  it('removes expired duplicates and drop-mode databases, keeps their rows as removed, and logs each as system', async () => {
    const server = await embeddedServer(app);
    const past = new Date(Date.now() - 60_000);
    const source = await createTestTenant(app);
    const expiredDuplicate = await createTestTenant(app, { metabase: { duplicate_of: source.name, expire_date: past } });
    const expiredDrop = await createTestTenant(app, { metabase: { mode: 'drop', expire_date: past } });
    const liveDrop = await createTestTenant(app, { metabase: { mode: 'drop', expire_date: new Date(Date.now() + DAY) } });
    const lockedDrop = await createTestTenant(app, { metabase: { mode: 'drop', expire_date: past, status: 'maintenance' } });
    const expiredTrial = await createTestTenant(app, { metabase: { mode: 'trial', expire_date: past } });
    const queued = await reapExpiredDatabases(app);
    expect(queued).toEqual(expect.arrayContaining([expiredDuplicate.name, expiredDrop.name]));
    for (const kept of [source, liveDrop, lockedDrop, expiredTrial]) expect(queued).not.toContain(kept.name);

    for (const gone of [expiredDuplicate, expiredDrop]) {
      const deadline = Date.now() + 30_000;
      while ((await findDatabase(app.metabase, gone.name))!.state !== 'removed') {
        if (Date.now() > deadline) throw new Error(`${gone.name} not removed`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await app.tenants.withCluster(server.id, (a) => databaseExists(a, gone.name))).toBe(false);
      await expect(access(path.join(server.filestore_root, gone.name))).rejects.toThrow();
      const log = await app.metabase
        .selectFrom('support_log')
        .selectAll()
        .where('database_name', '=', gone.name)
        .where('operation', '=', 'remove')
        .execute();
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ agent_login: 'system', outcome: 'success' });
    }
    for (const kept of [source, liveDrop, lockedDrop, expiredTrial]) {
      expect((await findDatabase(app.metabase, kept.name))!.state).toBe('active');
      expect(await app.tenants.withCluster(server.id, (a) => databaseExists(a, kept.name))).toBe(true);
    }
  });
});

describe('maintenance lock', () => {
  it('level 4 locks a database: changes answer 409 until unlock puts the previous status back', async () => {
    const db = await createTestTenant(app, { metabase: { status: 'pending' } });
    expect((await functional.run(db.name, 'lock', { reason: 'x' })).status).toBe(403);
    const office = await AgentSession.login('saas-office');
    const res = await office.run(db.name, 'lock', { reason: 'disk migration' });
    expect(res.status).toBe(200);
    const page = await office.get(`/api/databases/${db.name}`);
    expect(page.body.database).toMatchObject({ locked: true, status: 'maintenance', lock_reason: 'disk migration' });
    expect(page.body.tools.lock).toMatchObject({ locked: true, reason: 'disk migration' });
    const refused = await functional.run(db.name, 'set-email-limit', { limit: 10 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/locked/);
    expect((await office.run(db.name, 'drop', { validation: await validation(office, db.name) })).status).toBe(409);
    expect((await office.run(db.name, 'unlock')).status).toBe(200);
    expect((await findDatabase(app.metabase, db.name))!).toMatchObject({ status: 'pending', lock_reason: null });
    expect((await functional.run(db.name, 'set-email-limit', { limit: 10 })).status).toBe(200);
    expect((await office.run(db.name, 'unlock')).status).toBe(409);
  });
});
