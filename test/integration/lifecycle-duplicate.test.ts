import { stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { closeToNewSessions } from '../../src/hosting/database-copy.js';
import { executeJob } from '../../src/jobs/execute-job.js';
import { findDatabase, insertDatabases } from '../../src/metabase/repositories/databases.js';
import { finishJob, insertJob } from '../../src/metabase/repositories/jobs.js';
import { getConfigParameter } from '../../src/tenant/config-parameters.js';
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

const HOUR = 3_600_000;

async function firstAttachment(db: { name: string; server_id: number }): Promise<string> {
  const fname = await app.tenants.withTenant(db, async (c) => {
    const r = await c.query<{ store_fname: string }>(`SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL LIMIT 1`);
    return r.rows[0].store_fname;
  });
  return fname;
}

describe('duplicate', () => {
  it('copies the database and its hard-linked filestore into a neutralized copy with its own uuid and secret, for 4 hours', async () => {
    const source = await createTestTenant(app, { base: 'acme-bakery' });
    const res = await functional.run(source.name, 'duplicate', {});
    expect(res.status).toBe(200);
    expect(res.body.job).toMatchObject({ kind: 'duplicate', database: source.name });
    expect(res.body.name).toBe(`${source.name}-dup-1`);
    const job = await waitForJob(functional, res.body.job.id);
    expect(job).toMatchObject({ state: 'completed', progress: 100 });
    expect(job.result).toMatchObject({ name: res.body.name, method: 'template', filestore: 'linked' });
    expect(typeof job.result!.sourceUnavailableMs).toBe('number');

    const copy = (await findDatabase(app.metabase, res.body.name))!;
    expect(copy).toMatchObject({ state: 'active', mode: 'trial', duplicate_of: source.name, subcode: null });
    expect(copy.uuid).not.toBe(source.uuid);
    expect(Math.abs(copy.expire_date!.getTime() - Date.now() - 4 * HOUR)).toBeLessThan(5 * 60_000);

    const read = (db: { name: string; server_id: number }) =>
      app.tenants.withTenant(db, async (c) => ({
        uuid: await getConfigParameter(c, 'database.uuid'),
        secret: await getConfigParameter(c, 'database.secret'),
        neutralized: await getConfigParameter(c, 'database.is_neutralized'),
        activeCrons: (await c.query(`SELECT count(*)::int AS n FROM ir_cron WHERE active`)).rows[0].n as number,
        iap: (await c.query<{ t: string }>(`SELECT account_token AS t FROM iap_account`)).rows.map((r) => r.t),
        mailServers: (await c.query<{ h: string }>(`SELECT smtp_host AS h FROM ir_mail_server WHERE active`)).rows.map((r) => r.h),
      }));
    const [before, after] = [await read(source), await read(copy)];
    expect(after.uuid).toBe(copy.uuid);
    expect(after.secret).not.toBe(before.secret);
    expect(after.neutralized).toBe('true');
    expect(before.neutralized).toBeUndefined();
    expect(after.activeCrons).toBe(1); // autovacuum only
    expect(after.mailServers).toEqual(['invalid']);
    for (const t of after.iap) expect(t).toMatch(/\+disabled$/);

    const server = await embeddedServer(app);
    const fname = await firstAttachment(source);
    const [a, b] = await Promise.all([
      stat(path.join(server.filestore_root, source.name, fname)),
      stat(path.join(server.filestore_root, copy.name, fname)),
    ]);
    expect(b.ino).toBe(a.ino);

    const history = await functional.call('GET /api/databases/:name/support-logs', { params: { name: copy.name } });
    expect(history.body.entries[0]).toMatchObject({ operation: 'duplicate', outcome: 'success', agent_login: 'functional' });
    const page = await functional.call('GET /api/databases/:name', { params: { name: source.name } });
    expect(page.body.tools.duplicate.duplicates).toEqual([
      expect.objectContaining({ name: copy.name, mode: 'trial', state: 'active' }),
    ]);
    expect(page.body.tools.duplicate).toMatchObject({ weightUsed: 1, limit: 3, possible: true, extendUntil: null });
    expect(page.body.tools.duplicate.unavailability).toMatchObject({ method: 'template', brieflyUnavailable: true });
  });

  it('copies online with dump/restore above the size threshold, leaving the source available', async () => {
    const source = await createTestTenant(app);
    const target = `${source.name}-online`;
    const server = await embeddedServer(app);
    await insertDatabases(app.metabase, [
      { ...source, id: undefined, name: target, uuid: crypto.randomUUID(), duplicate_of: source.name, state: 'creating' },
    ]);
    // Run the job in this process with a threshold of 0 bytes (the platform's worker keeps its own config).
    const job = await insertJob(app.metabase, {
      kind: 'duplicate',
      database_name: source.name,
      agent_id: null,
      payload: { source: source.name, target },
    });
    const localApp = { ...app, config: { ...app.config, duplicateTemplateMaxBytes: 0 } };
    await executeJob(localApp, job.id, 'test', true);
    const done = await app.metabase.selectFrom('job').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ method: 'dump', sourceUnavailableMs: 0 });
    expect((await findDatabase(app.metabase, target))!.state).toBe('active');
    const users = await app.tenants.withTenant({ name: target, server_id: server.id }, async (c) =>
      (await c.query(`SELECT count(*)::int AS n FROM res_users`)).rows[0].n,
    );
    const sourceUsers = await app.tenants.withTenant(source, async (c) => (await c.query(`SELECT count(*)::int AS n FROM res_users`)).rows[0].n);
    expect(users).toBe(sourceUsers);
  });

  it('copies a source whose clients keep reconnecting, and opens it to them again once the copy is made', async () => {
    const source = await createTestTenant(app, { base: 'acme-bakery' });
    const server = await embeddedServer(app);
    // Like Odoo workers: a new session, one query, closed, again and again.
    let stop = false;
    const served: number[] = [];
    const refusals: string[] = [];
    const client = (async () => {
      while (!stop) {
        const c = new pg.Client(app.tenants.tenantConfig(server, source.name));
        c.on('error', () => undefined);
        try {
          await c.connect();
          await c.query('SELECT 1');
          served.push(Date.now());
        } catch (e) {
          refusals.push((e as Error).message);
        } finally {
          await c.end().catch(() => undefined);
        }
      }
    })();
    try {
      while (served.length < 3) await new Promise((r) => setTimeout(r, 10));
      const res = await functional.run(source.name, 'duplicate', {});
      const job = await waitForJob(functional, res.body.job.id);
      expect(job).toMatchObject({ state: 'completed' });
      expect(job.result).toMatchObject({ method: 'template', filestore: 'linked' });
      const finished = Date.now();
      while (!served.some((t) => t > finished)) await new Promise((r) => setTimeout(r, 10));
    } finally {
      stop = true;
      await client;
    }
    // Refused, never left waiting on a half-made copy: PostgreSQL's own words for a closed database.
    for (const m of refusals) expect(m).toMatch(/not currently accepting connections|terminat/);
  });

  it('opens again a source that a crashed template copy left closed to new sessions, then copies it', async () => {
    const source = await createTestTenant(app);
    const server = await embeddedServer(app);
    const target = `${source.name}-reopened`;
    await insertDatabases(app.metabase, [
      { ...source, id: undefined, name: target, uuid: crypto.randomUUID(), duplicate_of: source.name, state: 'creating' },
    ]);
    await app.tenants.withCluster(server.id, (a) => closeToNewSessions(a, source.name));
    const connect = async () => {
      const c = new pg.Client(app.tenants.tenantConfig(server, source.name));
      c.on('error', () => undefined);
      try {
        await c.connect();
        return (await c.query<{ ok: number }>('SELECT 1 AS ok')).rows[0].ok;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    await expect(connect()).rejects.toThrow(/not currently accepting connections/);
    const job = await insertJob(app.metabase, {
      kind: 'duplicate',
      database_name: source.name,
      agent_id: null,
      payload: { source: source.name, target },
    });
    await executeJob(app, job.id, 'test', true);
    const done = await app.metabase.selectFrom('job').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ method: 'template' });
    expect(await connect()).toBe(1);
    expect((await findDatabase(app.metabase, target))!.state).toBe('active');
  });

  it('counts a dropped duplicate as a quarter and refuses once the weighted count reaches the limit', async () => {
    const source = await createTestTenant(app, { metabase: { duplicate_limit: 2 } });
    const dup = (mode: 'trial' | 'drop') =>
      createTestTenant(app, { metabase: { duplicate_of: source.name, mode, expire_date: new Date(Date.now() + HOUR) } });
    await dup('trial');
    await dup('drop');
    let page = await functional.call('GET /api/databases/:name', { params: { name: source.name } });
    expect(page.body.tools.duplicate).toMatchObject({ possible: true, weightUsed: 1.25, limit: 2 });
    await dup('trial');
    page = await functional.call('GET /api/databases/:name', { params: { name: source.name } });
    expect(page.body.tools.duplicate).toMatchObject({ possible: false, weightUsed: 2.25, limit: 2 });
    expect(page.body.tools.duplicate.reason).toMatch(/limit is reached/);
    const res = await functional.run(source.name, 'duplicate', {});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/limit is reached/);
  });

  it('refuses a database in drop mode or locked, and a name already taken', async () => {
    const dropped = await createTestTenant(app, { metabase: { mode: 'drop' } });
    expect((await functional.run(dropped.name, 'duplicate')).status).toBe(409);
    const locked = await createTestTenant(app, { metabase: { status: 'maintenance' } });
    const res = await functional.run(locked.name, 'duplicate');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/locked/);
    const other = await createTestTenant(app);
    const taken = await functional.run(other.name, 'duplicate', { name: dropped.name });
    expect(taken.status).toBe(409);
    expect((await functional.run(other.name, 'duplicate', { name: 'Bad Name' })).status).toBe(422);
  });

  it('extends a duplicate up to now + the level’s extension days, and no further', async () => {
    const source = await createTestTenant(app);
    const copy = await createTestTenant(app, { metabase: { duplicate_of: source.name, expire_date: new Date(Date.now() + HOUR) } });
    const page = await functional.get(`/api/databases/${copy.name}`);
    const extendUntil = new Date(page.body.tools.duplicate.extendUntil);
    expect(Math.abs(extendUntil.getTime() - Date.now() - 2 * 24 * HOUR)).toBeLessThan(60_000);
    const ok = await functional.run(copy.name, 'extend-duplicate', { until: new Date(Date.now() + 24 * HOUR).toISOString() });
    expect(ok.status).toBe(200);
    expect(new Date(ok.body.result.expire_date).getTime()).toBeGreaterThan(Date.now() + 23 * HOUR);
    const beyond = await functional.run(copy.name, 'extend-duplicate', { until: new Date(Date.now() + 3 * 24 * HOUR).toISOString() });
    expect(beyond.status).toBe(422);
    expect(beyond.body.error.message).toMatch(/now \+ 2 days/);
    const technical = await AgentSession.login('technical');
    const further = await technical.run(copy.name, 'extend-duplicate', { until: new Date(Date.now() + 3 * 24 * HOUR).toISOString() });
    expect(further.status).toBe(200);
    expect((await functional.run(source.name, 'extend-duplicate', { until: new Date(Date.now() + HOUR).toISOString() })).status).toBe(409);
  });

  it('a running job holds the database: other changes answer 409 naming the job, and the page shows it', async () => {
    const db = await createTestTenant(app);
    // A job row in the queue without a worker task: it stays active until this test ends it.
    const job = await insertJob(app.metabase, { kind: 'duplicate', database_name: db.name, agent_id: null, payload: {} });
    try {
      const res = await functional.run(db.name, 'set-email-limit', { limit: 100 });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain(`duplicate job (#${job.id}`);
      expect((await functional.run(db.name, 'duplicate')).status).toBe(409);
      const page = await functional.call('GET /api/databases/:name', { params: { name: db.name } });
      expect(page.body.job).toMatchObject({ id: job.id, kind: 'duplicate', state: 'queued' });
    } finally {
      await finishJob(app.metabase, job.id, { state: 'failed', error: 'test' });
    }
    expect((await functional.run(db.name, 'set-email-limit', { limit: 100 })).status).toBe(200);
  });
});
