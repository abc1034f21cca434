import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { findUpgradeRequest, insertUpgradeRequest } from '../../src/metabase/repositories/upgrade-requests.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { getConfigParameter, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { upgradePlatformOptionsFromEnv } from '../../src/upgrade-platform/options.js';
import { startUpgradePlatform, type RunningUpgradePlatform } from '../../src/upgrade-platform/start.js';
import { CrashPlatform } from '../support/crash-platform.js';
import { UPGRADE_API_KEY } from '../support/env.js';
import { waitForJob } from '../support/jobs.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

/**
 * A real `src/main.ts` killed with SIGKILL before (and after) each step of the upgrade job, then
 * started again: the customer always has the old database or the upgraded one, whole; the
 * resumed job finishes; nothing half-made remains (no scratch database, no stray folder, the
 * maintenance lock gone). The upgrade platform runs in the test process, so it outlives the kills.
 */
let platform: CrashPlatform;
let upgrades: RunningUpgradePlatform;
let upgradesDir: string;
beforeAll(async () => {
  platform = await CrashPlatform.create();
  upgradesDir = await mkdtemp(path.join(tmpdir(), 'upgrade-platform-crash-'));
  // mkdtemp makes it private; the platform's cluster runs as the postgres user, who must traverse it.
  await chmod(upgradesDir, 0o755);
  upgrades = await startUpgradePlatform({
    ...upgradePlatformOptionsFromEnv({ UPGRADE_PLATFORM_API_KEYS: UPGRADE_API_KEY }),
    dataDir: upgradesDir,
    port: 0,
    durable: false,
    msPerMb: 10,
    logLevel: 'error',
  });
}, 240_000);
afterAll(async () => {
  await upgrades?.close();
  await platform?.close();
  await rm(upgradesDir, { recursive: true, force: true });
}, 120_000);

const env = () => ({ DBTOOLS_UPGRADE_URL: upgrades.url, DBTOOLS_UPGRADE_CA_FILE: upgrades.caFile ?? '', DBTOOLS_UPGRADE_POLL_MS: '300' });

const marker = (db: DatabaseRow, value?: string) =>
  platform.app.tenants.withTenant(db, async (c) => {
    if (value) await setConfigParameter(c, 'test.marker', value);
    return getConfigParameter(c, 'test.marker');
  });

const baseVersion = (db: DatabaseRow) =>
  platform.app.tenants.withTenant(db, async (c) => (await c.query(`SELECT latest_version FROM ir_module_module WHERE name = 'base'`)).rows[0]?.latest_version as string);

async function scratchLeft(): Promise<string[]> {
  const server = await embeddedServer(platform.app);
  const r = await platform.app.tenants.withCluster(server.id, (c) =>
    c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'dbtools\\_scratch\\_%'`),
  );
  return r.rows.map((x) => x.datname);
}

/** A 17.0 tenant with a subscription code, whose test upgrade to 18.0 is on record (Production's precondition). */
async function productionCandidate(): Promise<DatabaseRow> {
  const db = await createTestTenant(platform.app, { metabase: { subcode: `M${Date.now().toString(36)}crash` } });
  await insertUpgradeRequest(platform.app.metabase, {
    database_name: db.name,
    mode: 'copy',
    source_version: '17.0',
    target: '18.0',
    email: null,
    state: 'Done',
    requested_at: new Date(),
  });
  return db;
}

describe('upgrade crash safety', () => {
  it(
    'SIGKILL at every step of a Production upgrade leaves the old or the upgraded database, whole, and the resumed job swaps it in and unlocks it',
    { timeout: 1_500_000 },
    async () => {
      const points = ['start', 'dump', 'create', 'upload', 'process', 'upgrade', 'download', 'restore', 'publish', 'publish:after', 'finish'];
      for (const point of points) {
        const db = await productionCandidate();
        await marker(db, 'customer-data');
        await platform.start(`upgrade:${point}`, env());
        let api = await platform.login('functional');
        const validation = (await api.get(`/api/databases/${db.name}`)).body.tools.migration.validationNumber;
        const res = await api.run(db.name, 'request-upgrade', { target: '18.0', mode: 'production', validation });
        expect(res.status, `${point}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(await platform.waitForExit(180_000), point).toBe('SIGKILL');
        // Dead process: the customer's database is whole, old or upgraded.
        expect(await marker(db), point).toBe('customer-data');
        expect(['17.0', '18.0'], point).toContain((await baseVersion(db)).slice(0, 4));

        await platform.start(undefined, env());
        api = await platform.login('functional');
        const job = await waitForJob(api, res.body.job.id, 240_000);
        expect(job.state, `${point}: ${job.error}`).toBe('completed');
        const request = (await findUpgradeRequest(platform.app.metabase, res.body.request))!;
        expect(request.state, point).toBe('Done');
        const after = (await findDatabase(platform.app.metabase, db.name))!;
        expect(after, point).toMatchObject({ version: '18.0', uuid: db.uuid, status: db.status, lock_reason: null });
        expect(await baseVersion(after), point).toMatch(/^18\.0\./);
        expect(await marker(after), point).toBe('customer-data');
        expect(await scratchLeft(), point).toEqual([]);
        expect(await platform.violations(), point).toEqual([]);
        await platform.stop();
      }
    },
  );

  it(
    'SIGKILL while a Copy upgrade restores or publishes never leaves a half copy; the resumed job publishes a neutralized one',
    { timeout: 600_000 },
    async () => {
      for (const point of ['restore', 'publish', 'publish:after']) {
        const db = await createTestTenant(platform.app, { metabase: { subcode: `M${Date.now().toString(36)}copy` } });
        await platform.start(`upgrade:${point}`, env());
        let api = await platform.login('functional');
        const validation = (await api.get(`/api/databases/${db.name}`)).body.tools.migration.validationNumber;
        const res = await api.run(db.name, 'request-upgrade', { target: '18.0', mode: 'copy', validation });
        expect(res.status, point).toBe(200);
        expect(await platform.waitForExit(180_000), point).toBe('SIGKILL');
        // Dead process: no half copy is offered (the claimed row is still `creating`, or the copy is whole).
        const mid = await findUpgradeRequest(platform.app.metabase, res.body.request);
        const claimed = mid?.result_database ? await findDatabase(platform.app.metabase, mid.result_database) : undefined;
        if (claimed?.state === 'active') {
          expect(await platform.app.tenants.withTenant(claimed, (c) => getConfigParameter(c, 'database.is_neutralized')), point).toBe('true');
        }
        await platform.start(undefined, env());
        api = await platform.login('functional');
        const job = await waitForJob(api, res.body.job.id, 240_000);
        expect(job.state, `${point}: ${job.error}`).toBe('completed');
        const request = (await findUpgradeRequest(platform.app.metabase, res.body.request))!;
        const copy = (await findDatabase(platform.app.metabase, request.result_database!))!;
        expect(copy, point).toMatchObject({ state: 'active', version: '18.0' });
        expect(await platform.app.tenants.withTenant(copy, (c) => getConfigParameter(c, 'database.uuid')), point).toBe(copy.uuid);
        expect(await scratchLeft(), point).toEqual([]);
        expect(await platform.violations(), point).toEqual([]);
        await platform.stop();
      }
    },
  );
});
