import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, chmod, writeFile, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { dropTenantRole, tenantRoleName } from '../../src/hosting/tenant-role.js';
import { clusterOwner, startCluster } from '../../src/hosting/cluster.js';
import { spawnUpgradePlatform, type SpawnedUpgradePlatform } from '../../src/upgrade-platform/spawn.js';
import { upgradePlatformOptionsFromEnv } from '../../src/upgrade-platform/options.js';
import { startUpgradePlatform, type RunningUpgradePlatform } from '../../src/upgrade-platform/start.js';
import { createLoadTarget, finishLoad, loadArchive } from '../../src/provisioning/customer-sql.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';
import { UPGRADE_API_KEY } from '../support/env.js';
import { apiKeyHeader, download, rpc, rpcOk, tarOf, tenantDumpTar, upload, waitForState } from '../support/upgrade-platform.js';
import { callAt } from '../support/http-call.js';

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
      ...upgradePlatformOptionsFromEnv({ UPGRADE_PLATFORM_DATA_DIR: dataDir, UPGRADE_PLATFORM_MS_PER_MB: '20', UPGRADE_PLATFORM_API_KEYS: UPGRADE_API_KEY }),
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
  // The loader's pg_restore runs as the clusters' OS user.
  await run('chmod', ['-R', 'a+rX', dir]);
  // Loaded as customer data is: by a loader role, then handed to the tenant role of `name`.
  const job = randomInt(1_000_000, 2_000_000_000);
  const login = await createLoadTarget(app, server, name, job, { odooExtensions: false });
  await loadArchive(server, login, path.join(dir, 'dump'));
  await finishLoad(app, server, login, name);
  await rm(dir, { recursive: true, force: true });
}

async function dropDatabase(name: string): Promise<void> {
  const server = await embeddedServer(app);
  await app.tenants.withCluster(server.id, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await dropTenantRole(admin, tenantRoleName(name));
  });
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

/** The scratch databases and roles left on an upgrade platform's own cluster (under `dir`/pg). */
async function scratchLeftOn(dir: string): Promise<string[]> {
  const state = JSON.parse(await readFile(path.join(dir, 'pg', 'cluster.json'), 'utf8')) as { port: number };
  const client = new pg.Client({
    host: path.join(dir, 'pg', 'socket'),
    port: state.port,
    user: clusterOwner()?.name ?? userInfo().username,
    database: 'postgres',
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT datname AS name FROM pg_database WHERE starts_with(datname, 'dbtools_scratch_')
       UNION ALL SELECT rolname FROM pg_roles WHERE starts_with(rolname, 'dbtools_scratch_')`,
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/** A request created for `tenant` with its own code, its dump uploaded. */
async function uploadedRequest(baseUrl: string, tenant: Awaited<ReturnType<typeof createTestTenant>>, version: string, target: string) {
  const { tar, enterpriseCode } = await tenantDumpTar(app, tenant);
  const { request } = await rpcOk(baseUrl, 'create', { contract: enterpriseCode, aim: 'test', target, version, dbuuid: tenant.uuid });
  const up = await upload(baseUrl, request.id, request.key, tar);
  expect(up.body.error?.data.message).toBeUndefined();
  return { id: request.id as number, key: request.key as string, size: tar.length };
}

describe('who may use the upgrade platform, and how much', () => {
  const params = { aim: 'test', target: '18.0', version: '17.0', dbuuid: 'b1f5a3f0-0000-4000-8000-0000000000a1' };
  const contract = () => `MBOUND${randomBytes(6).toString('hex')}`;
  const dumpTar = (bytes: number) => tarOf({ 'toc.dat': 'PGDMP'.padEnd(bytes, 'x') });

  it('answers AccessDenied to a caller without one of its API keys, on every endpoint, before reading an upload; the request page needs only the request key', async () => {
    for (const apiKey of [null, 'not-the-platform-key-at-all', '']) {
      const created = await rpc(base, 'create', { ...params, contract: contract() }, apiKey);
      expect(created.error.data, String(apiKey)).toMatchObject({ name: 'AccessDenied' });
    }
    const { request } = await rpcOk(base, 'create', { ...params, contract: contract() });
    for (const method of ['status', 'log', 'process', 'cancel']) {
      const denied = await rpc(base, method, { request: request.id, key: request.key, offset: 0 }, null);
      expect(denied.error.data.name, method).toBe('AccessDenied');
    }
    const up = await upload(base, request.id, request.key, await dumpTar(1000), 'wrong-key-wrong-key');
    expect(up.status).toBe(403);
    expect(up.body.error.data.name).toBe('AccessDenied');
    const dl = await download(base, request.id, request.key, 'dump', null);
    expect(dl.status).toBe(403);
    expect(dl.json.error.data.name).toBe('AccessDenied');
    // Nothing was uploaded, and the request is still new: none of the refused calls did anything.
    expect((await rpcOk(base, 'status', { request: request.id, key: request.key })).request.state).toBe('new');
    expect((await rpc(base, 'process', { request: request.id, key: request.key })).error.data.message).toBe(
      'Upload the dump before asking to process the request.',
    );
    // The page is a link for humans: the request key is its credential.
    expect((await fetch(`${base}/request/${request.id}?key=${encodeURIComponent(request.key)}`)).status).toBe(200);
  });

  it('refuses to start without an API key', () => {
    expect(() => upgradePlatformOptionsFromEnv({ UPGRADE_PLATFORM_DATA_DIR: dataDir })).toThrow(/UPGRADE_PLATFORM_API_KEYS/);
    expect(() => upgradePlatformOptionsFromEnv({ UPGRADE_PLATFORM_API_KEYS: 'short' })).toThrow(/at least 16/);
  });

  describe('with small allowances per contract', () => {
    let bounded: RunningUpgradePlatform;
    let boundedDir: string;
    beforeAll(async () => {
      boundedDir = await mkdtemp(path.join(tmpdir(), 'upgrade-platform-bounded-'));
      await chmod(boundedDir, 0o755);
      // A second platform on the first one's cluster (a database of its own), with small bounds.
      const state = JSON.parse(await readFile(path.join(dataDir, 'pg', 'cluster.json'), 'utf8')) as { port: number };
      const owner = encodeURIComponent(clusterOwner()?.name ?? userInfo().username);
      const socket = encodeURIComponent(path.join(dataDir, 'pg', 'socket'));
      bounded = await startUpgradePlatform(
        {
          ...upgradePlatformOptionsFromEnv({
            UPGRADE_PLATFORM_DATA_DIR: boundedDir,
            UPGRADE_PLATFORM_API_KEYS: `other-key-of-this-platform,${UPGRADE_API_KEY}`,
            UPGRADE_PLATFORM_PG_URL: `postgres://${owner}@${socket}:${state.port}/upgrade_platform_bounded`,
            UPGRADE_PLATFORM_MAX_OPEN_PER_CONTRACT: '3',
            UPGRADE_PLATFORM_CONTRACT_UPLOAD_MB: '0.25',
            UPGRADE_PLATFORM_MAX_UPLOAD_MB: '0.2',
          }),
          durable: false,
        },
        { log: pino({ level: 'warn' }) },
      );
    });
    afterAll(async () => {
      await bounded?.close();
      if (boundedDir) await rm(boundedDir, { recursive: true, force: true });
    });

    it('accepts any of its keys, and bounds the unfinished requests of one contract with a ContractError, a cancelled one freeing its place', async () => {
      const code = contract();
      const made = [];
      for (let i = 0; i < 3; i++) made.push((await rpcOk(bounded.url, 'create', { ...params, contract: code }, i === 0 ? 'other-key-of-this-platform' : undefined)).request);
      const refused = await rpc(bounded.url, 'create', { ...params, contract: code });
      expect(refused.error.data.name).toBe('ContractError');
      expect(refused.error.data.message).toBe(
        `The contract ${code} already has 3 upgrade requests in progress, the most it may: wait for one to finish, or cancel one.`,
      );
      // Simultaneous creates cannot slip past the bound either.
      const other = contract();
      const burst = await Promise.all(Array.from({ length: 8 }, () => rpc(bounded.url, 'create', { ...params, contract: other })));
      expect(burst.filter((b) => b.result).length).toBe(3);
      expect(burst.filter((b) => b.error?.data.name === 'ContractError').length).toBe(5);
      await rpcOk(bounded.url, 'cancel', { request: made[0].id, key: made[0].key });
      expect((await rpcOk(bounded.url, 'create', { ...params, contract: code })).request.state).toBe('new');
    });

    it('bounds what the unfinished requests of one contract hold in dumps together, and each upload by the upload limit', async () => {
      const code = contract();
      const [a, b] = [(await rpcOk(bounded.url, 'create', { ...params, contract: code })).request, (await rpcOk(bounded.url, 'create', { ...params, contract: code })).request];
      const tooBig = await upload(bounded.url, a.id, a.key, await dumpTar(230 * 1024));
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.error.data.name).toBe('TransportError');
      expect((await upload(bounded.url, a.id, a.key, await dumpTar(150 * 1024))).status).toBe(200);
      // 150 KiB held by a: b may hold what is left of the contract's 256 KiB, no more.
      const over = await upload(bounded.url, b.id, b.key, await dumpTar(150 * 1024));
      expect(over.status).toBe(422);
      expect(over.body.error.data).toMatchObject({ name: 'ContractError' });
      expect(over.body.error.data.message).toContain(`The unfinished requests of the contract ${code} may hold 0.25 MB of dumps together`);
      expect((await rpc(bounded.url, 'process', { request: b.id, key: b.key })).error.data.message).toBe('Upload the dump before asking to process the request.');
      expect((await upload(bounded.url, b.id, b.key, await dumpTar(80 * 1024))).status).toBe(200);
      // Another contract has its own allowance.
      const c = (await rpcOk(bounded.url, 'create', { ...params, contract: contract() })).request;
      expect((await upload(bounded.url, c.id, c.key, await dumpTar(150 * 1024))).status).toBe(200);
      // A cancelled request gives its share back.
      await rpcOk(bounded.url, 'cancel', { request: a.id, key: a.key });
      const d = (await rpcOk(bounded.url, 'create', { ...params, contract: code })).request;
      expect((await upload(bounded.url, d.id, d.key, await dumpTar(150 * 1024))).status).toBe(200);
    });
  });
});

describe('what the upgrade platform refuses', () => {
  const params = { aim: 'test', target: '18.0', version: '17.0', dbuuid: 'b1f5a3f0-0000-4000-8000-000000000001' };

  it('answers a ContractError, as a JSON-RPC error over HTTP 200, for a missing, malformed or revoked contract', async () => {
    for (const [contract, words] of [
      [undefined, 'This database has no enterprise subscription code: upgrades need an Odoo Enterprise contract.'],
      ['', 'This database has no enterprise subscription code'],
      ['not-a-code', 'The contract "not-a-code" is not valid'],
      ['MREVOKED123', 'The contract MREVOKED123 is not valid: it was revoked.'],
    ] as const) {
      const res = await callAt(base, 'POST', '/database/v1/create', { body: { jsonrpc: '2.0', method: 'call', params: { ...params, contract }, id: 7 }, headers: apiKeyHeader() });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: 200, message: 'Odoo Server Error', data: { name: 'ContractError' } } });
      expect(res.body.error.data.message).toContain(words);
    }
  });

  it('answers a ValidationError for a target that is not higher than the version, and 400 for a body that is not JSON', async () => {
    const lower = await rpc(base, 'create', { ...params, contract: 'M2411011234567', target: '16.0' });
    expect(lower.error.data).toMatchObject({ name: 'ValidationError' });
    expect(lower.error.data.message).toContain('must be higher');
    const bad = await callAt(base, 'POST', '/database/v1/create', { rawBody: '{"jsonrpc":', headers: apiKeyHeader() });
    expect(bad.status).toBe(400);
    const huge = await callAt(base, 'POST', '/database/v1/create', { rawBody: JSON.stringify({ params: { pad: 'x'.repeat(2 * 1048576) } }), headers: apiKeyHeader() });
    expect(huge.status).toBe(413);
  });

  it('answers AccessDenied to a wrong key (and to an unknown request) on every call, the download and the page', async () => {
    const { request } = await rpcOk(base, 'create', { ...params, contract: 'M2411011234567' });
    for (const method of ['status', 'log', 'process', 'cancel']) {
      const wrong = await rpc(base, method, { request: request.id, key: request.key + 'x', offset: 0 });
      expect(wrong.error.data.name).toBe('AccessDenied');
      const unknown = await rpc(base, method, { request: 999999, key: request.key, offset: 0 });
      expect(unknown.error.data.name).toBe('AccessDenied');
    }
    const dl = await download(base, request.id, 'wrong', 'dump');
    expect(dl.status).toBe(403);
    expect(dl.json.error.data.name).toBe('AccessDenied');
    expect((await upload(base, request.id, 'wrong', Buffer.from('x'))).body.error.data.name).toBe('AccessDenied');
    expect((await fetch(`${base}/request/${request.id}?key=wrong`)).status).toBe(403);
  });

  it('refuses an upload that is not only the files of a directory-format dump: paths, links, absolute names, other files', async () => {
    const { request } = await rpcOk(base, 'create', { ...params, contract: 'M2411011234567' });
    const dir = await mkdtemp(path.join(tmpdir(), 'upgrade-hostile-'));
    await writeFile(path.join(dir, 'toc.dat'), 'PGDMP');
    const hostile: Record<string, string[]> = {
      'a member leaving the folder': ['--transform', 's,^,../,', 'toc.dat'],
      'a member in a sub-folder': ['--transform', 's,^,sub/,', 'toc.dat'],
      'an absolute name': ['--absolute-names', path.join(dir, 'toc.dat')],
    };
    await run('ln', ['-s', '/etc/passwd', path.join(dir, '3001.dat')]);
    hostile['a symbolic link'] = ['toc.dat', '3001.dat'];
    for (const [what, args] of Object.entries(hostile)) {
      await run('tar', ['-cf', path.join(dir, 'x.tar'), '-C', dir, ...args]);
      const res = await upload(base, request.id, request.key, await readFile(path.join(dir, 'x.tar')));
      expect(res.body.error?.data.name, what).toBe('ValidationError');
    }
    const notDump = await upload(base, request.id, request.key, await tarOf({ 'dump.sql': 'DROP TABLE res_users;' }));
    expect(notDump.body.error.data.name).toBe('ValidationError');
    const notTar = await upload(base, request.id, request.key, Buffer.from('not a tar at all, just text'.repeat(40)));
    expect(notTar.body.error.data.name).toBe('ValidationError');
    await rm(dir, { recursive: true, force: true });
    // Nothing was kept: there is still no dump to process.
    const processed = await rpc(base, 'process', { request: request.id, key: request.key });
    expect(processed.error.data).toMatchObject({ name: 'StateError', message: 'Upload the dump before asking to process the request.' });
  });

  it('cancels a new request once; a cancelled request cannot be processed, uploaded to or cancelled again', async () => {
    const { request } = await rpcOk(base, 'create', { ...params, contract: 'M2411011234567' });
    expect((await rpcOk(base, 'cancel', { request: request.id, key: request.key })).request).toEqual({ id: request.id, state: 'cancelled' });
    const status = await rpcOk(base, 'status', { request: request.id, key: request.key });
    expect(status.request).toMatchObject({ state: 'cancelled', archived: false });
    expect((await rpc(base, 'cancel', { request: request.id, key: request.key })).error.data.name).toBe('StateError');
    expect((await rpc(base, 'process', { request: request.id, key: request.key })).error.data.name).toBe('StateError');
    expect((await upload(base, request.id, request.key, Buffer.from('x'))).body.error.data.name).toBe('StateError');
    expect((await download(base, request.id, request.key, 'dump')).status).toBe(409);
  });

  it('fails a database with a module that has no upgrade path, with the reason, and leaves no scratch database', async () => {
    const tenant = await createTestTenant(app, {
      base: 'dupont-avocats',
      prefix: 'upgiot',
      tenant: { apps: ['account_accountant', 'point_of_sale', 'legacy_pos_restaurant_iot'] },
    });
    const r = await uploadedRequest(base, tenant, '17.0', '18.0');
    await rpcOk(base, 'process', { request: r.id, key: r.key });
    const failed = await waitForState(base, r.id, r.key, ['done', 'failed']);
    expect(failed).toMatchObject({ state: 'failed', reason: 'Module legacy_pos_restaurant_iot has no upgrade path to 18.0' });
    expect((await rpcOk(base, 'log', { request: r.id, key: r.key, offset: 0 })).data).toContain(
      'ERROR Module legacy_pos_restaurant_iot has no upgrade path to 18.0',
    );
    expect((await download(base, r.id, r.key, 'dump')).status).toBe(409);
    expect(await scratchLeftOn(dataDir)).toEqual([]);
  });

  it('fails a dump whose version is not the one requested, and shows the customer-made text escaped on the request page', async () => {
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgver' });
    const planted = '<img src=x onerror=alert(1)>';
    await app.tenants.withTenant(tenant, (c) => c.query(`UPDATE ir_module_module SET latest_version = $1 WHERE name = 'base'`, [planted]));
    const r = await uploadedRequest(base, tenant, '17.0', '18.0');
    await rpcOk(base, 'process', { request: r.id, key: r.key });
    const failed = await waitForState(base, r.id, r.key, ['done', 'failed']);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toBe(`The dump is a database of version ${planted}, not of 17.0 as the request says.`);
    const page = await fetch(`${base}/request/${r.id}?key=${encodeURIComponent(r.key)}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(planted);
    expect(await scratchLeftOn(dataDir)).toEqual([]);
  });
});

describe('the upgrade platform as its own process', () => {
  let dir: string;
  let running: SpawnedUpgradePlatform | undefined;
  const env = (extra: Record<string, string>) => ({ UPGRADE_PLATFORM_DATA_DIR: dir, UPGRADE_PLATFORM_DURABLE: '0', UPGRADE_PLATFORM_API_KEYS: UPGRADE_API_KEY, LOG_LEVEL: 'warn', ...extra });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'upgrade-platform-process-'));
    await chmod(dir, 0o755);
  });

  afterAll(async () => {
    await running?.stop();
    // A failed run may leave the cluster of a killed process: stop it whatever happened.
    await startCluster({ dir: path.join(dir, 'pg') }).then((c) => c.stop(), () => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('killed in the middle of an upgrade, it finishes the request after its restart and leaves no scratch database; a pending request cancels', async () => {
    // Slow enough to be killed while migrating the modules.
    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '120000', UPGRADE_PLATFORM_ARCHIVE_HOURS: '0.003' }));
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgkill' });
    const r = await uploadedRequest(running.url, tenant, '17.0', '18.0');
    await rpcOk(running.url, 'process', { request: r.id, key: r.key });
    await waitForState(running.url, r.id, r.key, ['progress']);
    const until = Date.now() + 60_000;
    while (!(await rpcOk(running.url, 'log', { request: r.id, key: r.key, offset: 0 })).data.includes('Module ')) {
      if (Date.now() > until) throw new Error('the upgrade never reached its modules');
      await new Promise((res) => setTimeout(res, 100));
    }
    // One upgrade at a time: a second request waits, and can still be cancelled.
    const second = await uploadedRequest(running.url, tenant, '17.0', '18.0');
    await rpcOk(running.url, 'process', { request: second.id, key: second.key });
    expect((await rpcOk(running.url, 'status', { request: second.id, key: second.key })).request.state).toBe('pending');
    expect((await rpcOk(running.url, 'cancel', { request: second.id, key: second.key })).request.state).toBe('cancelled');

    running.child.kill('SIGKILL');
    await new Promise((res) => running!.child.once('exit', res));
    expect(await scratchLeftOn(dir)).toContain(`dbtools_scratch_upgrade_${r.id}`);

    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '1', UPGRADE_PLATFORM_ARCHIVE_HOURS: '0.003' }));
    const finished = await waitForState(running.url, r.id, r.key, ['done', 'failed', 'archived']);
    expect(finished.state).toBe('done');
    expect(await scratchLeftOn(dir)).toEqual([]);
    const log = (await rpcOk(running.url, 'log', { request: r.id, key: r.key, offset: 0 })).data;
    expect(log).toContain('The platform stopped during this upgrade; it starts again');
    expect(log).toContain('attempt 2');
    expect((await download(running.url, r.id, r.key, 'dump')).status).toBe(200);
    expect((await rpcOk(running.url, 'status', { request: second.id, key: second.key })).request.state).not.toBe('progress');
  });

  it('archives a finished request after the archive delay: status says so, the download is a 404, the page says archived', async () => {
    expect(running).toBeDefined();
    const url = running!.url;
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgarch' });
    const r = await uploadedRequest(url, tenant, '17.0', 'saas~17.4');
    await rpcOk(url, 'process', { request: r.id, key: r.key });
    expect((await waitForState(url, r.id, r.key, ['done', 'failed', 'archived'])).state).toBe('done');
    const archived = await waitForState(url, r.id, r.key, ['archived'], 60_000);
    expect(archived).toMatchObject({ state: 'archived', archived: true, target: 'saas~17.4' });
    expect(archived.log_size).toBeGreaterThan(0);
    const dl = await download(url, r.id, r.key, 'dump');
    expect(dl.status).toBe(404);
    expect(dl.json.error.data).toMatchObject({ name: 'NotFound' });
    const html = await (await fetch(`${url}/request/${r.id}?key=${encodeURIComponent(r.key)}`)).text();
    expect(html).toContain('This request is archived');
    expect(html).toContain('(it was done)');
    const files = (await readdir(path.join(dir, 'requests', String(r.id)))).sort();
    expect(files).toEqual(['upgrade.log']);
  });

  it('stopped (SIGTERM) in the middle of an upgrade, it stops at once and hands the request back; the next start finishes it', async () => {
    await running!.stop();
    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '120000' }));
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgstop' });
    const r = await uploadedRequest(running.url, tenant, '17.0', '18.0');
    await rpcOk(running.url, 'process', { request: r.id, key: r.key });
    const until = Date.now() + 60_000;
    while (!(await rpcOk(running.url, 'log', { request: r.id, key: r.key, offset: 0 })).data.includes('Module ')) {
      if (Date.now() > until) throw new Error('the upgrade never reached its modules');
      await new Promise((res) => setTimeout(res, 100));
    }
    const stopping = Date.now();
    await running.stop();
    // The paced migration had about 20 s left: the stop does not wait for it.
    expect(Date.now() - stopping).toBeLessThan(10_000);
    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '1' }));
    expect((await waitForState(running.url, r.id, r.key, ['done', 'failed'])).state).toBe('done');
    expect((await rpcOk(running.url, 'log', { request: r.id, key: r.key, offset: 0 })).data).toContain(
      'The platform stopped during the upgrade: it will start again',
    );
    expect(await scratchLeftOn(dir)).toEqual([]);
  });
});

