import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setConfigParameter, getConfigParameter } from '../../src/tenant/config-parameters.js';
import { CrashPlatform } from '../support/crash-platform.js';
import { waitForJob } from '../support/jobs.js';
import { embeddedServer } from '../support/tenants.js';

/**
 * A real `src/main.ts` in its own data folder, killed with SIGKILL at each step of a restore in
 * place and of a dump (DBTOOLS_CRASH_AT), then started again: the customer must have the old
 * database or the restored one, and nothing half-made may remain or be offered.
 */
const DB = 'acme-bakery';
let platform: CrashPlatform;
beforeAll(async () => {
  platform = await CrashPlatform.create();
}, 240_000);
afterAll(async () => platform?.close(), 120_000);

async function withCustomerDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const server = await embeddedServer(platform.app);
  return platform.app.tenants.withTenant({ name: DB, server_id: server.id }, fn);
}

/** A value the test writes into the customer's database, to tell which version of it is there. */
const marker = (value?: string) =>
  withCustomerDb(async (c) => {
    if (value) await setConfigParameter(c, 'test.marker', value);
    return getConfigParameter(c, 'test.marker');
  });

describe('crash safety', () => {
  it(
    'SIGKILL at each step of a restore in place leaves the old or the restored database, and the resumed job finishes cleanly',
    { timeout: 900_000 },
    async () => {
      await platform.start();
      let api = await platform.login('technical');
      await marker('at-backup');
      const b = await api.run(DB, 'backup-now');
      const backupJob = await waitForJob(api, b.body.job.id, 180_000);
      expect(backupJob.state, backupJob.error ?? '').toBe('completed');
      await platform.stop();

      for (const point of ['safety-backup', 'restore-database', 'filestore', 'swap', 'swap:after', 'cleanup']) {
        await platform.start(`restore-backup:${point}`);
        await marker('after-backup');
        api = await platform.login('technical');
        const res = await api.run(DB, 'restore-backup', { backup: backupJob.result.backup });
        expect(res.status, point).toBe(200);
        expect(await platform.waitForExit(), point).toBe('SIGKILL');
        // Dead process: the customer's database is whole, old or restored.
        expect(['after-backup', 'at-backup'], point).toContain(await marker());

        await platform.start();
        api = await platform.login('technical');
        const job = await waitForJob(api, res.body.job.id, 180_000);
        expect(job.state, `${point}: ${job.error}`).toBe('completed');
        expect(await marker(), point).toBe('at-backup');
        expect(await platform.violations(), point).toEqual([]);
        const users = await withCustomerDb((c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM res_users'));
        expect(users.rows[0].n, point).toBeGreaterThan(1);
        await platform.stop();
      }
    },
  );

  it('SIGKILL during a dump never offers a half zip; the resumed job completes a whole one', { timeout: 300_000 }, async () => {
    for (const point of ['build-zip', 'notify']) {
      await platform.start(`prepare-dump:${point}`);
      const api = await platform.login('functional');
      const res = await api.run(DB, 'prepare-dump', { email: 'crash@example.com' });
      expect(res.status).toBe(200);
      expect(await platform.waitForExit()).toBe('SIGKILL');
      await platform.start();
      const again = await platform.login('functional');
      const during = (await again.get(`/api/databases/${DB}`)).body.tools.dump;
      if (during.state !== 'ready') expect(during.url).toBeNull();
      const job = await waitForJob(again, res.body.job.id, 180_000);
      expect(job.state, job.error ?? '').toBe('completed');
      const dump = (await again.get(`/api/databases/${DB}`)).body.tools.dump;
      expect(dump.state).toBe('ready');
      const url = new URL(dump.url);
      const zip = Buffer.from(await (await fetch(`${platform.baseUrl}${url.pathname}${url.search}`)).arrayBuffer());
      expect(zip.length).toBe(dump.size);
      const files = await readdir(path.join(platform.dataDir, 'dumps'));
      expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
      await platform.stop();
    }
  });
});
