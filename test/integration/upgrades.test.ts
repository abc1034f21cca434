import { readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OperationInput } from '../../src/api/contract.js';
import type { App } from '../../src/app.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { findUpgradeRequest } from '../../src/metabase/repositories/upgrade-requests.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { getConfigParameter, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { databaseFilestore } from '../../src/tenant/filestore.js';
import { rollingReleaseTarget, upgradeTargets } from '../../src/upgrades/catalog.js';
import { runRollingRelease } from '../../src/upgrades/rolling-release.js';
import { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let clock = new Date();
beforeAll(async () => {
  app = await connectTestApp({ now: () => clock });
  app.config.upgradeUrl = inject('upgradeUrl');
  app.config.upgradeCaFile = inject('upgradeCaFile') || undefined;
});
afterAll(() => app.close());

/** A subscription code the platform accepts (^M[0-9A-Za-z]{6,32}$). */
const contract = () => `M${randomBytes(6).toString('hex')}`;

async function tenant(options: Parameters<typeof createTestTenant>[1] = {}): Promise<DatabaseRow> {
  return createTestTenant(app, { ...options, metabase: { subcode: contract(), ...options.metabase } });
}

async function migration(s: AgentSession, db: string) {
  const page = await s.get(`/api/databases/${db}`);
  expect(page.status).toBe(200);
  return page.body.tools.migration;
}

/** Requests an upgrade with the page's validation number and waits for its job to end. */
async function upgrade(s: AgentSession, db: string, input: OperationInput<'request-upgrade'>) {
  const { validationNumber } = await migration(s, db);
  const res = await s.run(db, 'request-upgrade', { ...input, validation: validationNumber });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const job = await waitForJob(s, res.body.result?.job?.id ?? res.body.job.id, 240_000);
  const request = (await findUpgradeRequest(app.metabase, res.body.result?.request ?? res.body.request))!;
  return { job, request };
}

const baseVersion = (db: { name: string; server_id: number }) =>
  app.tenants.withTenant(db, async (c) => (await c.query(`SELECT latest_version FROM ir_module_module WHERE name = 'base'`)).rows[0]?.latest_version as string);
const userCount = (db: { name: string; server_id: number }) =>
  app.tenants.withTenant(db, async (c) => Number((await c.query('SELECT count(*) FROM res_users')).rows[0].count));

async function scratchLeft(jobId: number): Promise<string[]> {
  const server = await embeddedServer(app);
  const r = await app.tenants.withCluster(server.id, (c) =>
    c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'dbtools\\_scratch\\_%\\_' || $1`, [String(jobId)]),
  );
  return r.rows.map((x) => x.datname);
}

async function outboxMail(to: string): Promise<{ subject: string; text: string } | undefined> {
  const infra = await AgentSession.login('infra');
  for (let i = 0; i < 50; i++) {
    const box = await infra.get('/api/outbox');
    const m = box.body.messages.find((x: { to: string[] }) => x.to.includes(to));
    if (m) return (await infra.get(`/api/outbox/${m.id}`)).body;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

describe('the version catalog', () => {
  it('targets are the catalog versions above the database’s, saas releases between majors', () => {
    const catalog = ['16.0', '17.0', 'saas~17.1', 'saas~17.2', '18.0'];
    expect(upgradeTargets(catalog, '17.0')).toEqual(['saas~17.1', 'saas~17.2', '18.0']);
    expect(upgradeTargets(catalog, 'saas~17.2')).toEqual(['18.0']);
    expect(upgradeTargets(catalog, '18.0')).toEqual([]);
    expect(rollingReleaseTarget(catalog, 'saas~17.1')).toBe('saas~17.2');
    expect(rollingReleaseTarget(catalog, 'saas~17.2')).toBeNull();
    expect(rollingReleaseTarget(catalog, '17.0')).toBeNull();
  });
});

describe('upgrade requests', () => {
  it('a database on the highest version is offered no target, and a target not above its version is refused', async () => {
    const db = await tenant({ base: 'acme-bakery', metabase: { version: '18.0' } });
    const functional = await AgentSession.login('functional');
    const m = await migration(functional, db.name);
    expect(m.targets).toEqual([]);
    const res = await functional.run(db.name, 'request-upgrade', { target: '17.0', mode: 'copy', validation: m.validationNumber });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/No higher version/);
  });

  it('request-upgrade needs the validation number shown on the page', async () => {
    const db = await tenant();
    const functional = await AgentSession.login('functional');
    const res = await functional.run(db.name, 'request-upgrade', { target: '18.0', mode: 'copy', validation: '000000' });
    expect([403, 422]).toContain(res.status);
    expect((await migration(functional, db.name)).history).toEqual([]);
  });

  it('Copy: an upgraded, neutralized copy with its own identity, the data intact, its link e-mailed; the source untouched', async () => {
    const db = await tenant();
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'test.marker', 'before-upgrade'));
    const users = await userCount(db);
    const functional = await AgentSession.login('functional');
    expect((await migration(functional, db.name)).targets).toContain('18.0');
    const email = `tester-${Date.now()}@example.com`;
    const { job, request } = await upgrade(functional, db.name, { target: '18.0', mode: 'copy', email });
    expect(job.state, job.error ?? '').toBe('completed');
    expect(request.state).toBe('Done');
    const copy = (await findDatabase(app.metabase, request.result_database!))!;
    expect(copy).toMatchObject({ state: 'active', version: '18.0', duplicate_of: db.name });
    expect(copy.uuid).not.toBe(db.uuid);
    expect(await baseVersion(copy)).toMatch(/^18\.0\./);
    expect(await app.tenants.withTenant(copy, (c) => getConfigParameter(c, 'database.uuid'))).toBe(copy.uuid);
    expect(await app.tenants.withTenant(copy, (c) => getConfigParameter(c, 'database.is_neutralized'))).toBe('true');
    expect(await app.tenants.withTenant(copy, (c) => getConfigParameter(c, 'test.marker'))).toBe('before-upgrade');
    expect(await userCount(copy)).toBe(users);
    // The source is as it was.
    expect((await findDatabase(app.metabase, db.name))!.version).toBe('17.0');
    expect(await baseVersion(db)).toMatch(/^17\.0\./);
    const mail = await outboxMail(email);
    expect(mail?.subject).toContain(db.name);
    expect(mail?.text).toContain(copy.name);
    const history = (await migration(functional, db.name)).history;
    expect(history[0]).toMatchObject({ id: request.id, state: 'Done', mode: 'copy', target: '18.0', email });
    expect(history[0].link).toMatch(/^https:\/\/[^/]+\/upgrade\/request\/page\?token=/);
    expect(await scratchLeft(job.id)).toEqual([]);
  });

  it('Internal: the upgraded database appears in the customer’s list and nobody is e-mailed', async () => {
    const db = await tenant();
    const functional = await AgentSession.login('functional');
    const { job, request } = await upgrade(functional, db.name, { target: 'saas~17.2', mode: 'internal' });
    expect(job.state, job.error ?? '').toBe('completed');
    const copy = (await findDatabase(app.metabase, request.result_database!))!;
    expect(copy).toMatchObject({ state: 'active', version: 'saas~17.2' });
    expect(await baseVersion(copy)).toMatch(/^saas~17\.2\./);
    const listed = await functional.get(`/api/databases?q=${encodeURIComponent(db.name)}`);
    expect(JSON.stringify(listed.body)).toContain(copy.name);
    expect((await migration(functional, db.name)).history[0]).toMatchObject({ state: 'Done', mode: 'internal', email: null });
  });

  it('Production is refused until a test upgrade to that target succeeded, then swaps in place with a safety backup, unlocked after', { timeout: 180_000 }, async () => {
    const db = await tenant();
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'test.marker', 'production-data'));
    const users = await userCount(db);
    const functional = await AgentSession.login('functional');
    const m = await migration(functional, db.name);
    const refused = await functional.run(db.name, 'request-upgrade', { target: '18.0', mode: 'production', validation: m.validationNumber });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/test upgrade/);
    expect((await upgrade(functional, db.name, { target: '18.0', mode: 'copy' })).request.state).toBe('Done');
    const { job, request } = await upgrade(functional, db.name, { target: '18.0', mode: 'production' });
    expect(job.state, job.error ?? '').toBe('completed');
    expect(request.state).toBe('Done');
    const after = (await findDatabase(app.metabase, db.name))!;
    expect(after).toMatchObject({ version: '18.0', uuid: db.uuid, status: db.status, lock_reason: null });
    expect(await baseVersion(after)).toMatch(/^18\.0\./);
    expect(await app.tenants.withTenant(after, (c) => getConfigParameter(c, 'database.uuid'))).toBe(db.uuid);
    expect(await app.tenants.withTenant(after, (c) => getConfigParameter(c, 'test.marker'))).toBe('production-data');
    expect(await app.tenants.withTenant(after, (c) => getConfigParameter(c, 'database.is_neutralized'))).toBeUndefined();
    expect(await userCount(after)).toBe(users);
    const safety = await app.metabase
      .selectFrom('backup')
      .selectAll()
      .where('database_name', '=', db.name)
      .where('kind', '=', 'safety')
      .where('job_id', '=', job.id)
      .executeTakeFirst();
    expect(safety).toMatchObject({ state: 'ready', version: '17.0' });
    expect(await scratchLeft(job.id)).toEqual([]);
    expect(job.result.timings.downtimeMs).toBeGreaterThan(0);
  });

  it('a failing production upgrade leaves the customer the old database, unlocked, with the reason on the page', { timeout: 180_000 }, async () => {
    const db = await tenant();
    const functional = await AgentSession.login('functional');
    expect((await upgrade(functional, db.name, { target: '18.0', mode: 'copy' })).request.state).toBe('Done');
    // A module with no upgrade path, installed since the test upgrade.
    await app.tenants.withTenant(db, (c) =>
      c.query(`INSERT INTO ir_module_module (name, state, latest_version) VALUES ('legacy_pos_restaurant_iot', 'installed', '17.0.1.0')`),
    );
    const { job, request } = await upgrade(functional, db.name, { target: '18.0', mode: 'production' });
    expect(job.state).toBe('failed');
    expect(request.state).toBe('Failed');
    expect(request.reason).toMatch(/legacy_pos_restaurant_iot/);
    const after = (await findDatabase(app.metabase, db.name))!;
    expect(after).toMatchObject({ version: '17.0', status: db.status, lock_reason: null });
    expect(await baseVersion(after)).toMatch(/^17\.0\./);
    expect((await migration(functional, db.name)).history[0]).toMatchObject({ state: 'Failed', reason: request.reason });
    expect(await scratchLeft(job.id)).toEqual([]);
  });

  it('a database without an enterprise contract fails with the platform’s contract error as the reason', async () => {
    const db = await createTestTenant(app, { metabase: { subcode: null } });
    const functional = await AgentSession.login('functional');
    const { request } = await upgrade(functional, db.name, { target: '18.0', mode: 'copy' });
    expect(request.state).toBe('Failed');
    expect(request.reason).toMatch(/enterprise subscription code/);
    expect(request.result_database).toBeNull();
  });
});

describe('rolling release', () => {
  const at = (iso: string) => {
    clock = new Date(iso);
  };

  it('a lock is set on trial databases only, at most one month ahead (beyond: 422)', async () => {
    at(new Date().toISOString());
    const db = await tenant({ metabase: { mode: 'trial' } });
    const functional = await AgentSession.login('functional');
    const tooFar = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    expect((await functional.run(db.name, 'set-rolling-release-lock', { until: tooFar })).status).toBe(422);
    const inTwoWeeks = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    expect((await functional.run(db.name, 'set-rolling-release-lock', { until: inTwoWeeks })).status).toBe(200);
    expect((await migration(functional, db.name)).rollingReleaseLock.until).toMatch(inTwoWeeks);
    const paid = await tenant({ metabase: { mode: 'paid' } });
    expect((await functional.run(paid.name, 'set-rolling-release-lock', { until: inTwoWeeks })).status).toBe(409);
  });

  it('the nightly schedule queues saas~ databases with a newer release of their line, skips locked ones, runs only in the night window, N per server', async () => {
    const day = new Date();
    day.setUTCHours(12, 0, 0, 0);
    at(day.toISOString());
    const old = app.config.upgrades.rollingPerServer;
    app.config.upgrades.rollingPerServer = 1;
    try {
      const a = await tenant({ base: 'acme-bakery', metabase: { version: 'saas~17.2', mode: 'trial' } });
      const b = await tenant({ base: 'acme-bakery', metabase: { version: 'saas~17.2', mode: 'trial' } });
      const locked = await tenant({ base: 'acme-bakery', metabase: { version: 'saas~17.2', mode: 'trial' } });
      await app.metabase
        .updateTable('database')
        .set({ rolling_release_locked_until: new Date(day.getTime() + 7 * 86_400_000) })
        .where('name', '=', locked.name)
        .execute();
      // Other saas~ databases of the shared run (other files' tenants) are locked: this test counts its own.
      await app.metabase
        .updateTable('database')
        .set({ rolling_release_locked_until: new Date(day.getTime() + 7 * 86_400_000) })
        .where('version', 'like', 'saas~%')
        .where('name', 'not in', [a.name, b.name])
        .where('rolling_release_locked_until', 'is', null)
        .execute();
      // Noon: outside the night window, nothing happens.
      expect(await runRollingRelease(app)).toEqual({ queued: [], started: [] });
      const night = new Date(day);
      night.setUTCHours(2, 0, 0, 0);
      at(night.toISOString());
      const first = await runRollingRelease(app);
      const requests = await app.metabase
        .selectFrom('upgrade_request')
        .selectAll()
        .where('database_name', 'in', [a.name, b.name, locked.name])
        .execute();
      expect(requests.map((r) => r.database_name).sort()).toEqual([a.name, b.name].sort());
      expect(requests.every((r) => r.mode === 'rolling' && r.target === 'saas~17.4')).toBe(true);
      // One at a time on the (single) hosting server: the other waits, Queued, and can be cancelled.
      const mine = first.started.filter((id) => requests.some((r) => r.id === id));
      expect(mine).toHaveLength(1);
      const waiting = requests.find((r) => !mine.includes(r.id))!;
      expect((await findUpgradeRequest(app.metabase, waiting.id))!.state).toBe('Queued');
      const functional = await AgentSession.login('functional');
      const cancelled = await functional.run(waiting.database_name, 'cancel-upgrade', { request: waiting.id });
      expect(cancelled.status).toBe(200);
      expect((await findUpgradeRequest(app.metabase, waiting.id))!.state).toBe('cancelled (meta)');
      const running = (await findUpgradeRequest(app.metabase, mine[0]))!;
      const job = await waitForJob(functional, running.job_id!, 240_000);
      expect(job.state, job.error ?? '').toBe('completed');
      const upgraded = (await findDatabase(app.metabase, running.database_name))!;
      expect(upgraded.version).toBe('saas~17.4');
      expect((await migration(functional, upgraded.name)).history[0]).toMatchObject({ mode: 'rolling', state: 'Done' });
      // A Done request cannot be cancelled.
      expect((await functional.run(upgraded.name, 'cancel-upgrade', { request: running.id })).status).toBe(409);
      // Queued once a night: a second run the same night queues nothing more for these.
      const again = await runRollingRelease(app);
      expect(again.queued.filter((id) => requests.some((r) => r.id === id))).toEqual([]);
    } finally {
      app.config.upgrades.rollingPerServer = old;
      at(new Date().toISOString());
    }
  });
});

let firstCopy: { database: string; request: number } | undefined;

describe('filestore', () => {
  it('the upgraded copy’s filestore holds the source’s files and the platform’s additions', async () => {
    const db = await tenant();
    const functional = await AgentSession.login('functional');
    const { request } = await upgrade(functional, db.name, { target: '18.0', mode: 'copy' });
    expect(request.state).toBe('Done');
    // The copy goes to the least loaded hosting server, which need not be the source's.
    const list = async (name: string) => {
      const out: string[] = [];
      const row = (await app.metabase.selectFrom('database').select('server_id').where('name', '=', name).executeTakeFirstOrThrow());
      const root = databaseFilestore((await app.tenants.server(row.server_id)).filestore_root, name);
      for (const d of await readdir(root).catch(() => [])) for (const f of await readdir(`${root}/${d}`)) out.push(`${d}/${f}`);
      return out.sort();
    };
    firstCopy = { database: db.name, request: request.id };
    const source = await list(db.name);
    const copy = await list(request.result_database!);
    expect(copy.length).toBeGreaterThan(source.length);
    expect(copy).toEqual(expect.arrayContaining(source));
  });
});

describe('archived requests', () => {
  it('once the platform archived a request, the history shows No Link for it (link: null)', { timeout: 180_000 }, async () => {
    expect(firstCopy).toBeDefined();
    const functional = await AgentSession.login('functional');
    // The run's platform archives a finished request after 72 s (checked every 18 s).
    await expect
      .poll(
        async () => (await migration(functional, firstCopy!.database)).history.find((r: { id: number }) => r.id === firstCopy!.request)?.link,
        { timeout: 150_000, interval: 3000 },
      )
      .toBeNull();
    expect((await findUpgradeRequest(app.metabase, firstCopy!.request))!.platform_archived).toBe(true);
  });
});
