import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { CrashPlatform } from '../support/crash-platform.js';
import type { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { createTestTenant } from '../support/tenants.js';

/**
 * PostgreSQL (the metabase and the hosting cluster: one embedded cluster) stopped with
 * `pg_ctl stop -m fast` under a real `src/main.ts` while a duplicate and a prepare-dump run.
 * Faults are survived, not fatal: the process stays up, says 503 while the database is gone,
 * and its jobs finish once it is back. The server process and its cluster are this file's own:
 * the suite's shared cluster is never stopped.
 */
let platform: CrashPlatform;
beforeAll(async () => {
  platform = await CrashPlatform.create();
}, 240_000);
afterAll(async () => platform?.close(), 120_000);

/** A source big enough (about 90 MB) that its copy and its dump are still running when PostgreSQL stops. */
async function bigTenant(): Promise<DatabaseRow> {
  const db = await createTestTenant(platform.app, { prefix: 'fault' });
  await platform.app.tenants.withTenant(db, async (c) => {
    await c.query('CREATE TABLE fault_ballast (id serial PRIMARY KEY, payload text NOT NULL)');
    await c.query(
      `INSERT INTO fault_ballast (payload)
       SELECT md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) || md5((i * 31)::text) FROM generate_series(1, 500000) AS i`,
    );
  });
  return db;
}

async function jobRow(id: number) {
  return platform.app.metabase.selectFrom('job').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Waits until every job is running a step: PostgreSQL will stop under work in flight. */
async function untilInFlight(ids: number[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await Promise.all(ids.map(jobRow));
    for (const r of rows) {
      expect(r.state, `job ${r.id} ended before PostgreSQL stopped`).not.toMatch(/completed|failed/);
    }
    if (rows.every((r) => r.state === 'running' && r.step)) return;
    if (Date.now() > deadline) throw new Error('the jobs did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the queue is idle (the backups a start kicks off are done): the jobs under test get the workers. */
async function untilQueueIdle(): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const busy = await platform.app.metabase.selectFrom('job').select('id').where('state', 'in', ['queued', 'running']).execute();
    if (!busy.length) return;
    if (Date.now() > deadline) throw new Error(`jobs ${busy.map((j) => j.id).join(', ')} still busy`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function untilHealthy(ms: number): Promise<number> {
  const since = Date.now();
  for (;;) {
    const health = await platform.get('/healthz');
    if (health.status === 200) {
      expect(health.body).toEqual({ status: 'ok', checks: { metabase: 'ok' } });
      return Date.now() - since;
    }
    if (Date.now() - since > ms) throw new Error(`/healthz still ${health.status} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** During the outage: the same process answers, /healthz and the API say 503 with their shapes. */
async function expectUnavailable(agent: AgentSession, pid: number, jobId: number, database: string): Promise<void> {
  expect(platform.pid).toBe(pid);
  const health = await platform.get('/healthz');
  expect(health).toEqual({ status: 503, body: { status: 'unavailable', checks: { metabase: 'unreachable' } } });
  const read = await agent.get(`/api/jobs/${jobId}`);
  expect(read.status).toBe(503);
  expect(read.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
  const write = await agent.run(database, 'ping');
  expect(write.status).toBe(503);
  expect(write.body.error.code).toBe('unavailable');
}

async function expectNothingHalfMade(): Promise<void> {
  expect(await platform.violations()).toEqual([]);
  const dumps = await readdir(path.join(platform.dataDir, 'dumps')).catch(() => [] as string[]);
  expect(dumps.filter((f) => f.endsWith('.partial'))).toEqual([]);
}

describe('PostgreSQL restarts under load', () => {
  it(
    'the server stays up while PostgreSQL stops and starts under a duplicate and a prepare-dump: 503 meanwhile, 200 after, both jobs complete, nothing orphaned',
    { timeout: 600_000 },
    async () => {
      const [source, dumped] = [await bigTenant(), await bigTenant()];
      await platform.app.tenants.withCluster(source.server_id, (c) => c.query('CHECKPOINT'));
      // The watchdog would start the cluster on its own: here the operator does.
      await platform.start(undefined, { DBTOOLS_CLUSTER_WATCHDOG_SECONDS: '0' });
      const pid = platform.pid!;
      await untilQueueIdle();
      const agent = await platform.login('technical');
      const duplicate = await agent.run(source.name, 'duplicate');
      expect(duplicate.status, JSON.stringify(duplicate.body)).toBe(200);
      const dump = await agent.run(dumped.name, 'prepare-dump', { email: 'fault@example.com' });
      expect(dump.status, JSON.stringify(dump.body)).toBe(200);
      const ids = [duplicate.body.job.id as number, dump.body.job.id as number];
      await untilInFlight(ids);

      const stopAt = Date.now();
      await platform.stopCluster();
      const stoppedAt = Date.now();
      for (let i = 0; i < 5; i++) {
        await expectUnavailable(agent, pid, ids[0], dumped.name);
        await new Promise((r) => setTimeout(r, 500));
      }
      const startAt = Date.now();
      await platform.startCluster();
      const startedAt = Date.now();
      const healthyAfter = await untilHealthy(60_000);

      const jobs = await Promise.all(ids.map((id) => waitForJob(agent, id, 300_000)));
      const doneAt = Date.now();
      for (const job of jobs) expect(job.state, job.error ?? '').toBe('completed');
      for (const id of ids) expect((await jobRow(id)).finished_at!.getTime()).toBeGreaterThan(stopAt);
      expect(platform.pid).toBe(pid);
      expect((await findDatabase(platform.app.metabase, duplicate.body.name))?.state).toBe('active');
      expect((await agent.get(`/api/databases/${dumped.name}`)).body.tools.dump.state).toBe('ready');
      await expectNothingHalfMade();
      process.stdout.write(
        `fault figures: pg_ctl stop ${stoppedAt - stopAt} ms, down ${startAt - stoppedAt} ms, pg_ctl start ${startedAt - startAt} ms, ` +
          `/healthz 200 ${healthyAfter} ms after the start, both jobs completed ${doneAt - startedAt} ms after the start\n`,
      );
      await platform.stop();
    },
  );

  it(
    'the server starts its embedded cluster again by itself when it stops, and the duplicate in flight completes',
    { timeout: 600_000 },
    async () => {
      const source = await bigTenant();
      await platform.app.tenants.withCluster(source.server_id, (c) => c.query('CHECKPOINT'));
      await platform.start(undefined, { DBTOOLS_CLUSTER_WATCHDOG_SECONDS: '1' });
      const pid = platform.pid!;
      await untilQueueIdle();
      const agent = await platform.login('technical');
      const duplicate = await agent.run(source.name, 'duplicate');
      expect(duplicate.status, JSON.stringify(duplicate.body)).toBe(200);
      await untilInFlight([duplicate.body.job.id]);

      const stopAt = Date.now();
      await platform.stopCluster();
      const stoppedAt = Date.now();
      // Nobody starts it: the server process does.
      const healthyAfter = await untilHealthy(180_000);
      const job = await waitForJob(agent, duplicate.body.job.id, 300_000);
      const doneAt = Date.now();
      expect(job.state, job.error ?? '').toBe('completed');
      expect(platform.pid).toBe(pid);
      expect((await findDatabase(platform.app.metabase, duplicate.body.name))?.state).toBe('active');
      await expectNothingHalfMade();
      process.stdout.write(
        `watchdog figures: pg_ctl stop ${stoppedAt - stopAt} ms, /healthz 200 again ${healthyAfter} ms after the stop, ` +
          `job completed ${doneAt - stoppedAt} ms after the stop\n`,
      );
      await platform.stop();
    },
  );
});
