import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapExpiredDatabases } from '../../src/jobs/reaper.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { publicCanConnect } from '../../src/hosting/database-copy.js';
import { CrashPlatform } from '../support/crash-platform.js';
import { waitForJob } from '../support/jobs.js';
import { createTestTenant } from '../support/tenants.js';

/**
 * SIGKILL at each step of a duplicate, a drop and a removal (the crash hook picks the step),
 * then a restart: the job finishes by itself and the invariants hold at the crash and after.
 */
let platform: CrashPlatform;
beforeAll(async () => {
  platform = await CrashPlatform.create();
}, 240_000);
afterAll(async () => platform?.close(), 120_000);

async function latestJob(database: string, kind: string) {
  return platform.app.metabase
    .selectFrom('job')
    .selectAll()
    .where('database_name', '=', database)
    .where('kind', '=', kind)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Runs `trigger` on a server armed to crash at `point`, restarts it, and returns the job's final state. */
async function crashAndRecover(point: string, database: string, kind: string, trigger: () => Promise<void>) {
  await platform.start(point);
  await trigger().catch(() => undefined); // the process may die before it answers
  await platform.waitForExit();
  expect(await platform.violations()).toEqual([]);
  const job = await latestJob(database, kind);
  expect(job, 'the job was queued before the crash').toBeDefined();
  await platform.start();
  const done = await waitForJob(await platform.login(), job!.id);
  expect(await platform.violations()).toEqual([]);
  await platform.stop();
  return done;
}

const DUPLICATE_POINTS = [
  'copy-database',
  'copy-database:after',
  'copy-filestore',
  'copy-filestore:after',
  'neutralize',
  'neutralize:after',
  'activate',
  'activate:after',
];

describe('crash safety', () => {
  for (const point of DUPLICATE_POINTS) {
    it(`a duplicate killed at ${point} finishes after the restart`, async () => {
      const source = await createTestTenant(platform.app, { prefix: 'crash' });
      const done = await crashAndRecover(`duplicate:${point}`, source.name, 'duplicate', async () => {
        const agent = await platform.login();
        await agent.post(`/api/databases/${source.name}/operations/duplicate`, {});
      });
      expect(done.state).toBe('completed');
      const copy = await findDatabase(platform.app.metabase, `${source.name}-dup-1`);
      expect(copy?.state).toBe('active');
    }, 120_000);
  }

  for (const point of ['mark-drop-mode', 'revoke-connect', 'revoke-connect:after']) {
    it(`a drop killed at ${point} finishes after the restart`, async () => {
      const db = await createTestTenant(platform.app, { prefix: 'crash' });
      const done = await crashAndRecover(`drop:${point}`, db.name, 'drop', async () => {
        const agent = await platform.login();
        const number = platform.app.policy.validationNumber(
          (await platform.app.metabase.selectFrom('agent').select('id').where('login', '=', 'functional').executeTakeFirstOrThrow()).id,
          db.name,
          'drop',
          new Date(),
        );
        await agent.post(`/api/databases/${db.name}/operations/drop`, { validation: number });
      });
      expect(done.state).toBe('completed');
      expect((await findDatabase(platform.app.metabase, db.name))!.mode).toBe('drop');
      expect(await platform.app.tenants.withCluster(db.server_id, (a) => publicCanConnect(a, db.name))).toBe(false);
    }, 120_000);
  }

  for (const point of ['mark-removing', 'remove-filestore', 'drop-database', 'mark-removed', 'mark-removed:after']) {
    it(`a removal killed at ${point} finishes after the restart`, async () => {
      const db = await createTestTenant(platform.app, {
        prefix: 'crash',
        metabase: { mode: 'drop', expire_date: new Date(Date.now() - 60_000) },
      });
      const done = await crashAndRecover(`remove:${point}`, db.name, 'remove', async () => {
        await reapExpiredDatabases(platform.app);
      });
      expect(done.state).toBe('completed');
      expect((await findDatabase(platform.app.metabase, db.name))!.state).toBe('removed');
      const logs = await platform.app.metabase
        .selectFrom('support_log')
        .selectAll()
        .where('database_name', '=', db.name)
        .where('operation', '=', 'remove')
        .execute();
      expect(logs).toHaveLength(1);
    }, 120_000);
  }
});
