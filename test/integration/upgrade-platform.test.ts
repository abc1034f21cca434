import { execFile } from 'node:child_process';
import { mkdtemp, rm, chmod, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { runPgTool } from '../../src/hosting/backup-pg.js';
import { upgradePlatformOptionsFromEnv } from '../../src/upgrade-platform/options.js';
import { startUpgradePlatform, type RunningUpgradePlatform } from '../../src/upgrade-platform/start.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';
import { download, rpcOk, tenantDumpTar, upload, waitForState } from '../support/upgrade-platform.js';

const run = promisify(execFile);

let app: App & { close(): Promise<void> };
let platform: RunningUpgradePlatform;
let base: string;
let dataDir: string;

beforeAll(async () => {
  app = await connectTestApp();
  dataDir = await mkdtemp(path.join(tmpdir(), 'upgrade-platform-'));
  await chmod(dataDir, 0o755);
  platform = await startUpgradePlatform(
    {
      ...upgradePlatformOptionsFromEnv({ UPGRADE_PLATFORM_DATA_DIR: dataDir, UPGRADE_PLATFORM_MS_PER_MB: '20' }),
      revokedContracts: new Set(['MREVOKED123']),
      durable: false,
    },
    { log: pino({ level: 'warn' }) },
  );
  base = platform.url;
});

afterAll(async () => {
  await platform?.close();
  await app?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Restores a downloaded dump tar into a new database of the test cluster, for reading it. */
async function restoreResult(tar: Buffer, name: string): Promise<void> {
  const server = await embeddedServer(app);
  const dir = await mkdtemp(path.join(tmpdir(), 'upgrade-result-'));
  await writeFile(path.join(dir, 'dump.tar'), tar);
  await mkdir(path.join(dir, 'dump'));
  await run('tar', ['-xf', path.join(dir, 'dump.tar'), '-C', path.join(dir, 'dump')]);
  await app.tenants.withCluster(server.id, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  await runPgTool(server, 'pg_restore', ['--no-owner', '--dbname', name, path.join(dir, 'dump')]);
  await rm(dir, { recursive: true, force: true });
}

async function dropDatabase(name: string): Promise<void> {
  const server = await embeddedServer(app);
  await app.tenants.withCluster(server.id, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function query<T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]> {
  const server = await embeddedServer(app);
  return app.tenants.withTenant({ name: database, server_id: server.id }, async (c) => (await c.query<T>(sql)).rows);
}

const SCHEMA_SQL = `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
  WHERE table_schema = 'public' ORDER BY table_name, column_name`;

describe('the upgrade platform', () => {
  it('upgrades a real 16.0 tenant dump to 18.0: versions, schema and parameters move, data stays, assets come back as filestore additions', async () => {
    const tenant = await createTestTenant(app, { base: 'brouwerij-de-kroon', prefix: 'upg16' });
    const { tar, enterpriseCode } = await tenantDumpTar(app, tenant);
    expect(enterpriseCode).toMatch(/^M/);

    const created = await rpcOk(base, 'create', {
      contract: enterpriseCode,
      aim: 'test',
      target: '18.0',
      version: '16.0',
      dbuuid: tenant.uuid,
    });
    expect(created.request.state).toBe('new');
    const { id, key } = created.request;

    const up = await upload(base, id, key, tar);
    expect(up.body.error?.data.message).toBeUndefined();
    expect(up.status).toBe(200);
    expect(up.body.result.request).toEqual({ id, state: 'new', size: tar.length });

    expect((await rpcOk(base, 'process', { request: id, key })).request).toEqual({ id, state: 'pending' });
    const done = await waitForState(base, id, key, ['done', 'failed']);
    expect(done.reason).toBeNull();
    expect(done.state).toBe('done');
    expect(done).toMatchObject({ aim: 'test', target: '18.0', version: '16.0', archived: false });
    expect(new Date(done.done_date).getTime()).toBeGreaterThanOrEqual(new Date(done.process_date).getTime());

    // The log, read by offset in pieces, is the whole log.
    const whole = await rpcOk(base, 'log', { request: id, key, offset: 0 });
    expect(whole.offset).toBe(done.log_size);
    expect(whole.data).toContain('Module base: migrated 16.0.1.3 → 18.0.1.3');
    expect(whole.data).toContain('Schema 16.0 → 17.0');
    const half = Math.floor(whole.offset / 2);
    const tail = await rpcOk(base, 'log', { request: id, key, offset: half });
    expect(Buffer.from(whole.data).subarray(half).toString()).toBe(tail.data);
    expect((await rpcOk(base, 'log', { request: id, key, offset: whole.offset })).data).toBe('');

    const dump = await download(base, id, key, 'dump');
    expect(dump.status).toBe(200);
    const filestore = await download(base, id, key, 'filestore');
    expect(filestore.status).toBe(200);

    const upgraded = `${tenant.name}-up`;
    await restoreResult(dump.body, upgraded);
    try {
      const modules = await query<{ name: string; latest_version: string }>(
        upgraded,
        `SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' ORDER BY name`,
      );
      const before = await query<{ name: string; latest_version: string }>(
        tenant.name,
        `SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' AND name <> 'fetchmail' ORDER BY name`,
      );
      expect(modules).toEqual(before.map((m) => ({ name: m.name, latest_version: m.latest_version.replace(/^16\.0\./, '18.0.') })));

      const params = await query<{ key: string; value: string }>(
        upgraded,
        `SELECT key, value FROM ir_config_parameter WHERE key LIKE 'database.upgrade.%' ORDER BY key`,
      );
      expect(params).toEqual([
        { key: 'database.upgrade.from_version', value: '16.0' },
        { key: 'database.upgrade.request', value: String(id) },
        { key: 'database.upgrade.to_version', value: '18.0' },
      ]);

      // Data intact: users, partners (16.0's display_name became complete_name), mails, attachments.
      const users = `SELECT login, password, active FROM res_users ORDER BY id`;
      expect(await query(upgraded, users)).toEqual(await query(tenant.name, users));
      expect(await query(upgraded, `SELECT id, name, complete_name FROM res_partner ORDER BY id`)).toEqual(
        await query(tenant.name, `SELECT id, name, display_name AS complete_name FROM res_partner ORDER BY id`),
      );
      const mails = `SELECT count(*)::int AS n FROM mail_mail`;
      expect(await query(upgraded, mails)).toEqual(await query(tenant.name, mails));
      const attachments = `SELECT name, store_fname, checksum FROM ir_attachment WHERE url IS NULL ORDER BY id`;
      expect(await query(upgraded, attachments)).toEqual(await query(tenant.name, attachments));
      // iap accounts keep their service, now an iap.service record.
      const iapBefore = await query<{ service_name: string }>(tenant.name, `SELECT service_name FROM iap_account ORDER BY id`);
      const iapAfter = await query<{ technical_name: string }>(
        upgraded,
        `SELECT s.technical_name FROM iap_account a JOIN iap_service s ON s.id = a.service_id ORDER BY a.id`,
      );
      expect(iapAfter.map((r) => r.technical_name)).toEqual(iapBefore.map((r) => r.service_name));

      // The schema is the 18.0 one the project builds its 18.0 tenants from.
      const reference = await createTestTenant(app, { base: 'boulangerie-martin', prefix: 'ref18' });
      expect(await query(upgraded, SCHEMA_SQL)).toEqual(await query(reference.name, SCHEMA_SQL));

      // The filestore additions are the regenerated asset bundles, at their store_fname paths.
      const assets = await query<{ store_fname: string; url: string }>(
        upgraded,
        `SELECT store_fname, url FROM ir_attachment WHERE url LIKE '/web/assets/%' ORDER BY store_fname`,
      );
      expect(assets.length).toBeGreaterThan(0);
      const dir = await mkdtemp(path.join(tmpdir(), 'upgrade-fs-'));
      await writeFile(path.join(dir, 'fs.tar'), filestore.body);
      const { stdout } = await run('tar', ['-tf', path.join(dir, 'fs.tar')]);
      expect(stdout.split('\n').filter(Boolean).sort()).toEqual(assets.map((a) => a.store_fname));
      await rm(dir, { recursive: true, force: true });
    } finally {
      await dropDatabase(upgraded);
    }
  });
});
