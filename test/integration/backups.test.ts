import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { backupsToPrune } from '../../src/hosting/backup-retention.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import type { BackupRow } from '../../src/metabase/schema.js';
import { getConfigParameter, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { waitForJob } from '../support/jobs.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app.close());

async function backupNow(s: AgentSession, db: string): Promise<number> {
  const res = await s.run(db, 'backup-now');
  expect(res.status).toBe(200);
  const job = await waitForJob(s, res.body.job.id, 120_000);
  expect(job.state, job.error ?? '').toBe('completed');
  return job.result.backup;
}

describe('backups', () => {
  it('backup-now takes a real backup listed newest first on the Tools page, with size and checksum', async () => {
    const db = await createTestTenant(app);
    const technical = await AgentSession.login('technical');
    const id = await backupNow(technical, db.name);
    const page = await technical.get(`/api/databases/${db.name}`);
    expect(page.body.tools.restore.backups[0]).toMatchObject({ id, kind: 'manual' });
    expect(page.body.tools.restore.backups[0].size).toBeGreaterThan(1000);
    const row = await app.metabase
      .selectFrom('backup')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    const head = await readFile(path.join(row.path, 'db.dump'));
    expect(head.subarray(0, 5).toString()).toBe('PGDMP');
  });

  it('backup-now is refused to functional support and capped at 5 manual backups a day', async () => {
    const db = await createTestTenant(app);
    const functional = await AgentSession.login('functional');
    expect((await functional.run(db.name, 'backup-now')).status).toBe(403);
    const technical = await AgentSession.login('technical');
    for (let i = 0; i < 5; i++) await backupNow(technical, db.name);
    const sixth = await technical.run(db.name, 'backup-now');
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.message).toMatch(/5 a day/);
  });

  it('restore in place brings the backup back, keeps a safety backup and leaves no scratch database', async () => {
    const db = await createTestTenant(app);
    const technical = await AgentSession.login('technical');
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'test.marker', 'at-backup'));
    const backup = await backupNow(technical, db.name);
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'test.marker', 'after-backup'));
    const res = await technical.run(db.name, 'restore-backup', { backup });
    expect(res.status).toBe(200);
    const job = await waitForJob(technical, res.body.job.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    expect(await app.tenants.withTenant(db, (c) => getConfigParameter(c, 'test.marker'))).toBe('at-backup');
    expect(await app.tenants.withTenant(db, (c) => getConfigParameter(c, 'database.uuid'))).toBe(db.uuid);
    const kinds = (await technical.get(`/api/databases/${db.name}`)).body.tools.restore.backups.map(
      (b: { kind: string }) => b.kind,
    );
    expect(kinds).toContain('safety');
    const leftovers = await app.tenants.withCluster(db.server_id, (c) =>
      c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'dbtools\\_scratch\\_%\\_' || $1`, [String(job.id)]),
    );
    expect(leftovers.rows).toEqual([]);
  });

  it('restore into a new database makes a neutralized 4-hour duplicate with a new uuid', async () => {
    const db = await createTestTenant(app);
    const technical = await AgentSession.login('technical');
    const backup = await backupNow(technical, db.name);
    const target = `${db.name}-copy`;
    const res = await technical.run(db.name, 'restore-backup', { backup, target });
    expect(res.status).toBe(200);
    const job = await waitForJob(technical, res.body.job.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const row = (await findDatabase(app.metabase, target))!;
    expect(row).toMatchObject({ duplicate_of: db.name, mode: 'trial', state: 'active' });
    expect(row.uuid).not.toBe(db.uuid);
    expect(row.expire_date!.getTime() - Date.now()).toBeGreaterThan(3.9 * 3_600_000);
    const [uuid, neutralized, users] = await app.tenants.withTenant(row, async (c) => [
      await getConfigParameter(c, 'database.uuid'),
      await getConfigParameter(c, 'database.is_neutralized'),
      (await c.query('SELECT count(*)::int AS n FROM res_users')).rows[0].n,
    ]);
    expect(uuid).toBe(row.uuid);
    expect(neutralized).toBe('true');
    expect(users).toBeGreaterThan(1);
  });

  it('restore-backup refuses a backup of another database', async () => {
    const a = await createTestTenant(app);
    const b = await createTestTenant(app);
    const technical = await AgentSession.login('technical');
    const backup = await backupNow(technical, a.name);
    expect((await technical.run(b.name, 'restore-backup', { backup })).status).toBe(404);
  });
});

describe('retention', () => {
  const row = (id: number, kind: BackupRow['kind'], takenAt: Date): BackupRow => ({
    id,
    kind,
    taken_at: takenAt,
    state: 'ready',
    database_name: 'x',
    database_uuid: '00000000-0000-0000-0000-000000000000',
    server_id: 1,
    path: '/nonexistent',
    size: 1,
    checksum: null,
    version: '17.0',
    job_id: null,
    agent_id: null,
    finished_at: null,
    error: null,
  });

  it('keeps 7 daily, 4 weekly and 3 monthly backups over a simulated year of nightly runs', () => {
    const start = Date.UTC(2025, 0, 1, 3);
    const backups: BackupRow[] = [];
    let id = 1;
    for (let day = 0; day < 365; day++) {
      const now = new Date(start + day * 86_400_000);
      const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
      const weekStart = Date.UTC(
        now.getUTCFullYear(),
        now.getUTCMonth(),
        now.getUTCDate() - ((now.getUTCDay() + 6) % 7),
      );
      const has = (k: string, since: number) =>
        backups.some((b) => b.kind === k && b.taken_at.getTime() >= since);
      const kind = !has('monthly', monthStart)
        ? 'monthly'
        : !has('weekly', weekStart) && !has('monthly', weekStart)
          ? 'weekly'
          : 'daily';
      backups.push(row(id++, kind, now));
      for (const p of backupsToPrune(backups, { daily: 7, weekly: 4, monthly: 3 }, now))
        backups.splice(backups.indexOf(p), 1);
    }
    const count = (k: string) => backups.filter((b) => b.kind === k).length;
    expect(count('monthly')).toBe(3);
    expect(count('weekly')).toBeLessThanOrEqual(4);
    expect(count('weekly')).toBeGreaterThanOrEqual(3);
    expect(count('daily')).toBeLessThanOrEqual(7);
    expect(count('daily')).toBeGreaterThanOrEqual(5);
  });

  it('lets every backup of a removed database go once its age passes retention', () => {
    const taken = new Date(Date.UTC(2025, 5, 1));
    const backups = [
      row(1, 'daily', taken),
      row(2, 'weekly', taken),
      row(3, 'monthly', taken),
      row(4, 'manual', taken),
    ];
    const retention = { daily: 7, weekly: 4, monthly: 3 };
    expect(backupsToPrune(backups, retention, new Date(Date.UTC(2025, 5, 5))).map((b) => b.id)).toEqual([]);
    expect(
      backupsToPrune(backups, retention, new Date(Date.UTC(2025, 5, 10)))
        .map((b) => b.id)
        .sort(),
    ).toEqual([1, 4]);
    expect(
      backupsToPrune(backups, retention, new Date(Date.UTC(2025, 6, 10)))
        .map((b) => b.id)
        .sort(),
    ).toEqual([1, 2, 4]);
    expect(
      backupsToPrune(backups, retention, new Date(Date.UTC(2025, 8, 2)))
        .map((b) => b.id)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
  });
});
