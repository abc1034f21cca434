import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, chmod, symlink, writeFile } from 'node:fs/promises';
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
import { rsyncWith, sshArgs, type SshTarget } from '../../src/upgrades/rsync.js';
import {
  apiKeyHeader,
  createRequest,
  downloadResult,
  folderOf,
  logsFrom,
  rpc,
  rpcHttps,
  rpcOk,
  sshKeyPair,
  tenantDump,
  transferTarget,
  uploadDump,
  waitForState,
} from '../support/upgrade-platform.js';
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

/** Restores a downloaded directory-format dump into a new database of the test cluster, for reading it. */
async function restoreResult(dumpDir: string, name: string): Promise<void> {
  const server = await embeddedServer(app);
  // The loader runs as the cluster's OS user: it reads a copy it may read.
  const dir = await mkdtemp(path.join(tmpdir(), 'upgrade-result-'));
  await chmod(dir, 0o755);
  await run('cp', ['-r', dumpDir, path.join(dir, 'dump')]);
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
  it('upgrades a real 16.0 tenant dump to 18.0 over Odoo\'s protocol: rsync up, process, log by range, rsync down; versions, schema and parameters move, data stays, assets come back as filestore additions', async () => {
    const tenant = await createTestTenant(app, { base: 'brouwerij-de-kroon', prefix: 'upg16' });
    const { dir: dump, enterpriseCode } = await tenantDump(app, tenant);
    expect(enterpriseCode).toMatch(/^M/);

    // Only what Odoo's client sends: no version, no uuid (the dump says them).
    const req = await createRequest(base, { contract: enterpriseCode, aim: 'test', target: '18.0' });
    expect(req.hostUri).toBe(platform.assignedHostUri);
    expect((await rpcOk(base, 'status', { token: req.token })).status).toBe('new');

    const stopped = await uploadDump(base, req, dump);
    expect(stopped.error?.data.message).toBeUndefined();
    expect(stopped.result.size).toBeGreaterThan(0);

    expect(await rpcOk(base, 'process', { token: req.token })).toEqual({ is_pg_version_compatible: true, state: 'pending' });
    const done = await waitForState(base, req.token, ['done', 'failed']);
    expect(done.reason).toBeNull();
    expect(done.state).toBe('done');
    expect(done).toMatchObject({ status: 'done', host_uri: platform.assignedHostUri, aim: 'test', target: '18.0', version: '16.0', archived: false });
    expect(new Date(done.done_date).getTime()).toBeGreaterThanOrEqual(new Date(done.process_date).getTime());

    // The log, read by byte ranges, is the whole log.
    const whole = await logsFrom(base, req.token, 0);
    expect(whole.status).toBe(206);
    expect(Buffer.byteLength(whole.text)).toBe(done.log_size);
    expect(whole.text).toContain('Module base: migrated 16.0.1.3 → 18.0.1.3');
    expect(whole.text).toContain('Schema 16.0 → 17.0');
    const half = Math.floor(Buffer.byteLength(whole.text) / 2);
    const tail = await logsFrom(base, req.token, half);
    expect(Buffer.from(whole.text).subarray(half).toString()).toBe(tail.text);
    expect((await logsFrom(base, req.token, Buffer.byteLength(whole.text) + 10)).text).toBe('');

    const dest = await mkdtemp(path.join(tmpdir(), 'upgrade-download-'));
    const started = await downloadResult(base, req, dest);
    expect(started.dump_name).toBe('upgraded.dump');
    expect((await readdir(dest)).sort()).toEqual(['filestore', 'upgrade-report.html', 'upgrade.log', 'upgraded.dump']);
    expect(await readFile(path.join(dest, 'upgrade.log'), 'utf8')).toContain('Upgrade done: the database is on 18.0');

    const upgraded = `${tenant.name}-up`;
    await restoreResult(path.join(dest, 'upgraded.dump'), upgraded);
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
        { key: 'database.upgrade.request', value: String(req.id) },
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
      const { stdout } = await run('find', ['.', '-type', 'f'], { cwd: path.join(dest, 'filestore') });
      expect(stdout.split('\n').filter(Boolean).map((f) => f.replace(/^\.\//, '')).sort()).toEqual(assets.map((a) => a.store_fname));
    } finally {
      await dropDatabase(upgraded);
      await rm(dest, { recursive: true, force: true });
    }
  });

  it('answers on the assigned host over HTTPS, with a certificate of the CA it gives, and on no other', async () => {
    const req = await createRequest(base, { contract: 'M2411011234567', target: '18.0' });
    const ca = await readFile(platform.caFile!);
    const answer = await rpcHttps(req.hostUri, ca, 'status', { token: req.token });
    expect(answer.status).toBe(200);
    expect(answer.body.result).toMatchObject({ status: 'new', host_uri: req.hostUri });
    // A caller that does not trust that CA does not get an answer.
    await expect(rpcHttps(req.hostUri, undefined, 'status', { token: req.token })).rejects.toThrow(/certificate/i);
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

/** A request created for `tenant` with its own code, its dump uploaded (as Odoo's client: only the protocol's parameters, unless `version` is given). */
async function uploadedRequest(baseUrl: string, tenant: Awaited<ReturnType<typeof createTestTenant>>, version: string | undefined, target: string) {
  const { dir, enterpriseCode } = await tenantDump(app, tenant);
  const req = await createRequest(baseUrl, { contract: enterpriseCode, aim: 'test', target, ...(version ? { version, dbuuid: tenant.uuid } : {}) });
  const up = await uploadDump(baseUrl, req, dir);
  expect(up.error?.data.message).toBeUndefined();
  await rm(path.dirname(dir), { recursive: true, force: true });
  return req;
}

describe('who may use the upgrade platform, and how much', () => {
  const params = { aim: 'test', target: '18.0', version: '17.0', dbuuid: 'b1f5a3f0-0000-4000-8000-0000000000a1' };
  const contract = () => `MBOUND${randomBytes(6).toString('hex')}`;
  const dumpOf = (bytes: number) => folderOf({ 'toc.dat': 'PGDMP'.padEnd(bytes, 'x') });

  it('answers AccessDenied to a create without one of its API keys (a header, or in the base URL for Odoo\'s client); later calls need only the request\'s token', async () => {
    const key = await sshKeyPair();
    for (const apiKey of [null, 'not-the-platform-key-at-all', '']) {
      const created = await rpc(base, 'create', { ...params, contract: contract(), ssh_key: key.publicKey }, apiKey);
      expect(created.error.data, String(apiKey)).toMatchObject({ name: 'AccessDenied' });
    }
    // Odoo's client sends no header: its UPGRADE_SERVER_NAME carries the key in the path.
    const viaPath = await callAt(`${base}/key/${encodeURIComponent(UPGRADE_API_KEY)}`, 'POST', '/upgrade/request/create', {
      body: { jsonrpc: '2.0', method: 'not_used', params: { ...params, contract: contract(), ssh_key: key.publicKey }, id: 'not_used' },
    });
    expect(viaPath.body.result.token).toEqual(expect.any(String));
    const wrongPath = await callAt(`${base}/key/wrong-key-wrong-key`, 'POST', '/upgrade/request/create', {
      body: { jsonrpc: '2.0', params: { ...params, contract: contract(), ssh_key: key.publicKey } },
    });
    expect(wrongPath.body.error.data.name).toBe('AccessDenied');
    // The token is the credential of everything after create (Odoo's client sends nothing else).
    const req = await createRequest(base, { ...params, contract: contract() });
    expect((await rpcOk(base, 'status', { token: req.token }, null)).status).toBe('new');
    for (const method of ['status', 'process', 'cancel', 'transfer/start', 'transfer/stop']) {
      const denied = await rpc(base, method, { token: req.token + 'x', transfer_type: 'upload' }, null);
      expect(denied.error.data.name, method).toBe('AccessDenied');
    }
    expect((await logsFrom(base, 'not-a-token-of-this-platform')).status).toBe(403);
    expect((await fetch(`${base}/upgrade/request/page?token=${encodeURIComponent(req.token)}x`)).status).toBe(403);
    expect((await fetch(`${base}/upgrade/request/page?token=${encodeURIComponent(req.token)}`)).status).toBe(200);
    // Nothing was uploaded: there is nothing to process.
    expect((await rpc(base, 'process', { token: req.token })).error.data.message).toBe('Upload the dump before asking to process the request.');
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
      for (let i = 0; i < 3; i++) made.push(await createRequest(bounded.url, { ...params, contract: code }, i === 0 ? 'other-key-of-this-platform' : undefined));
      const key = await sshKeyPair();
      const refused = await rpc(bounded.url, 'create', { ...params, contract: code, ssh_key: key.publicKey });
      expect(refused.error.data.name).toBe('ContractError');
      expect(refused.error.data.message).toBe(
        `The contract ${code} already has 3 upgrade requests in progress, the most it may: wait for one to finish, or cancel one.`,
      );
      // Simultaneous creates cannot slip past the bound either.
      const other = contract();
      const burst = await Promise.all(Array.from({ length: 8 }, () => rpc(bounded.url, 'create', { ...params, contract: other, ssh_key: key.publicKey })));
      expect(burst.filter((b) => b.result).length).toBe(3);
      expect(burst.filter((b) => b.error?.data.name === 'ContractError').length).toBe(5);
      await rpcOk(bounded.url, 'cancel', { token: made[0].token });
      expect((await createRequest(bounded.url, { ...params, contract: code })).token).toEqual(expect.any(String));
    });

    it('bounds what the unfinished requests of one contract hold in dumps together, and each upload by the upload limit', async () => {
      const code = contract();
      const a = await createRequest(bounded.url, { ...params, contract: code });
      const b = await createRequest(bounded.url, { ...params, contract: code });
      const tooBig = await uploadDump(bounded.url, a, await dumpOf(230 * 1024));
      expect(tooBig.error.data).toMatchObject({ name: 'ValidationError', message: 'The dump is larger than 0.2 MB.' });
      expect((await uploadDump(bounded.url, a, await dumpOf(150 * 1024))).result.size).toBe(150 * 1024);
      // 150 KiB held by a: b may hold what is left of the contract's 256 KiB, no more.
      const over = await uploadDump(bounded.url, b, await dumpOf(150 * 1024));
      expect(over.error.data).toMatchObject({ name: 'ContractError' });
      expect(over.error.data.message).toContain(`The unfinished requests of the contract ${code} may hold 0.25 MB of dumps together`);
      expect((await rpc(bounded.url, 'process', { token: b.token })).error.data.message).toBe('Upload the dump before asking to process the request.');
      expect((await uploadDump(bounded.url, b, await dumpOf(80 * 1024))).result.size).toBe(80 * 1024);
      // Another contract has its own allowance.
      const c = await createRequest(bounded.url, { ...params, contract: contract() });
      expect((await uploadDump(bounded.url, c, await dumpOf(150 * 1024))).result.size).toBe(150 * 1024);
      // A cancelled request gives its share back.
      await rpcOk(bounded.url, 'cancel', { token: a.token });
      const d = await createRequest(bounded.url, { ...params, contract: code });
      expect((await uploadDump(bounded.url, d, await dumpOf(150 * 1024))).result.size).toBe(150 * 1024);
    });
  });
});

describe('what the upgrade platform refuses', () => {
  const params = { aim: 'test', target: '18.0', version: '17.0', dbuuid: 'b1f5a3f0-0000-4000-8000-000000000001' };

  it('answers a ContractError, as a JSON-RPC error over HTTP 200, for a missing, malformed or revoked contract', async () => {
    const key = await sshKeyPair();
    for (const [contract, words] of [
      [undefined, 'This database has no enterprise subscription code: upgrades need an Odoo Enterprise contract.'],
      ['', 'This database has no enterprise subscription code'],
      ['not-a-code', 'The contract "not-a-code" is not valid'],
      ['MREVOKED123', 'The contract MREVOKED123 is not valid: it was revoked.'],
    ] as const) {
      const res = await callAt(base, 'POST', '/upgrade/request/create', {
        body: { jsonrpc: '2.0', method: 'not_used', params: { ...params, contract, ssh_key: key.publicKey }, id: 7 },
        headers: apiKeyHeader(),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: 200, message: 'Odoo Server Error', data: { name: 'ContractError' } } });
      expect(res.body.error.data.message).toContain(words);
    }
  });

  it('answers a ValidationError for a target that is not higher than the version or for a key that is not an SSH public key, and 400 for a body that is not JSON', async () => {
    const key = await sshKeyPair();
    const lower = await rpc(base, 'create', { ...params, contract: 'M2411011234567', target: '16.0', ssh_key: key.publicKey });
    expect(lower.error.data).toMatchObject({ name: 'ValidationError' });
    expect(lower.error.data.message).toContain('must be higher');
    // A key line cannot smuggle options into the SSH server's authorized keys.
    for (const sshKey of ['', 'command="sh" ' + key.publicKey, key.publicKey.trim() + '\nssh-ed25519 AAAA', 'ssh-rsa ' + key.publicKey.split(' ')[1]]) {
      const bad = await rpc(base, 'create', { ...params, contract: 'M2411011234567', ssh_key: sshKey });
      expect(bad.error.data.name, sshKey).toBe('ValidationError');
    }
    const bad = await callAt(base, 'POST', '/upgrade/request/create', { rawBody: '{"jsonrpc":', headers: apiKeyHeader() });
    expect(bad.status).toBe(400);
    const huge = await callAt(base, 'POST', '/upgrade/request/create', { rawBody: JSON.stringify({ params: { pad: 'x'.repeat(2 * 1048576) } }), headers: apiKeyHeader() });
    expect(huge.status).toBe(413);
  });

  it('refuses an upload that is not one pg_dump dump: links, sub-folders, other files, other formats; nothing is kept', async () => {
    const req = await createRequest(base, { ...params, contract: 'M2411011234567' });
    const hostile: Record<string, () => Promise<string>> = {
      'a link to a file of the server': async () => {
        const dir = await folderOf({ 'toc.dat': 'PGDMP' });
        await symlink('/etc/passwd', path.join(dir, '3001.dat'));
        return dir;
      },
      'a sub-folder': () => folderOf({ 'toc.dat': 'PGDMP', 'sub/3001.dat': 'x' }),
      'a file of another name': () => folderOf({ 'toc.dat': 'PGDMP', 'evil.sh': 'rm -rf /' }),
      'no table of contents': () => folderOf({ '3001.dat': 'x' }),
    };
    for (const [what, make] of Object.entries(hostile)) {
      const res = await uploadDump(base, req, await make());
      expect(res.error?.data.name, what).toBe('ValidationError');
    }
    // Odoo's client may send a plain SQL dump: this platform says it takes pg_dump dumps only.
    const started = await rpcOk(base, 'transfer/start', { token: req.token, transfer_type: 'upload' });
    const sql = path.join(await mkdtemp(path.join(tmpdir(), 'upgrade-sql-')), 'origin.sql');
    await writeFile(sql, 'DROP TABLE res_users;');
    await rsyncWith(await transferTarget(req, started), (remote) => [sql, remote('/data/origin.sql')]);
    const stopped = await rpc(base, 'transfer/stop', { token: req.token });
    expect(stopped.error.data).toMatchObject({ name: 'ValidationError' });
    expect(stopped.error.data.message).toContain('takes pg_dump dumps only');
    // Nothing was kept: there is still no dump to process.
    const processed = await rpc(base, 'process', { token: req.token });
    expect(processed.error.data).toMatchObject({ name: 'StateError', message: 'Upload the dump before asking to process the request.' });
  });

  it('cancels a new request once; a cancelled request cannot be processed, uploaded to or cancelled again', async () => {
    const req = await createRequest(base, { ...params, contract: 'M2411011234567' });
    expect(await rpcOk(base, 'cancel', { token: req.token })).toEqual({ status: 'cancelled' });
    const status = await rpcOk(base, 'status', { token: req.token });
    expect(status).toMatchObject({ status: 'cancelled', archived: false });
    expect((await rpc(base, 'cancel', { token: req.token })).error.data.name).toBe('StateError');
    expect((await rpc(base, 'process', { token: req.token })).error.data.name).toBe('StateError');
    expect((await rpc(base, 'transfer/start', { token: req.token, transfer_type: 'upload' })).error.data.name).toBe('StateError');
    expect((await rpc(base, 'transfer/start', { token: req.token, transfer_type: 'download' })).error.data.name).toBe('StateError');
  });

  it('fails a database with a module that has no upgrade path, with the reason, and leaves no scratch database', async () => {
    const tenant = await createTestTenant(app, {
      base: 'dupont-avocats',
      prefix: 'upgiot',
      tenant: { apps: ['account_accountant', 'point_of_sale', 'legacy_pos_restaurant_iot'] },
    });
    const r = await uploadedRequest(base, tenant, '17.0', '18.0');
    await rpcOk(base, 'process', { token: r.token });
    const failed = await waitForState(base, r.token, ['done', 'failed']);
    expect(failed).toMatchObject({ state: 'failed', reason: 'Module legacy_pos_restaurant_iot has no upgrade path to 18.0' });
    expect((await logsFrom(base, r.token)).text).toContain('ERROR Module legacy_pos_restaurant_iot has no upgrade path to 18.0');
    expect((await rpc(base, 'transfer/start', { token: r.token, transfer_type: 'download' })).error.data.name).toBe('StateError');
    expect(await scratchLeftOn(dataDir)).toEqual([]);
  });

  it('fails a dump whose version is not the one requested, and shows the customer-made text escaped on the request page', async () => {
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgver' });
    const planted = '<img src=x onerror=alert(1)>';
    await app.tenants.withTenant(tenant, (c) => c.query(`UPDATE ir_module_module SET latest_version = $1 WHERE name = 'base'`, [planted]));
    const r = await uploadedRequest(base, tenant, '17.0', '18.0');
    await rpcOk(base, 'process', { token: r.token });
    const failed = await waitForState(base, r.token, ['done', 'failed']);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toBe(`The dump is a database of version ${planted}, not of 17.0 as the request says.`);
    const page = await fetch(`${base}/upgrade/request/page?token=${encodeURIComponent(r.token)}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(planted);
    expect(await scratchLeftOn(dataDir)).toEqual([]);
  });
});

describe('the SSH server of the transfers', () => {
  const params = { aim: 'test', target: '18.0', version: '17.0', dbuuid: 'b1f5a3f0-0000-4000-8000-0000000000c1' };
  const ssh = (t: SshTarget, extra: string[], command: string[] = []) =>
    run('ssh', [...extra, ...sshArgs(t), ...command], { timeout: 20_000, env: { PATH: '/usr/bin:/bin' } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );

  it('gives a request\'s key its own folder only, during its transfer: not another request\'s folder, not a shell, not a pty, no forwarding', async () => {
    const a = await createRequest(base, { ...params, contract: 'M2411011234567' });
    const b = await createRequest(base, { ...params, contract: 'M2411011234567' });
    const ta = await transferTarget(a, await rpcOk(base, 'transfer/start', { token: a.token, transfer_type: 'upload' }));
    await rpcOk(base, 'transfer/start', { token: b.token, transfer_type: 'upload' });
    const bFolder = path.join(dataDir, 'requests', String(b.id), 'upload');
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'upgrade-hostile-')), 'toc.dat');
    await writeFile(file, 'PGDMP planted');

    // Its own folder: yes.
    await rsyncWith(ta, (remote) => [file, remote('/data/mine.dat')]);
    expect(await readdir(path.join(dataDir, 'requests', String(a.id), 'upload', 'data'))).toContain('mine.dat');
    // Another request's folder: by "..", by its absolute path (which lands inside its own folder), never.
    await expect(rsyncWith(ta, (remote) => [file, remote(`/../../${b.id}/upload/data/toc.dat`)])).rejects.toThrow(/\.\./);
    await rsyncWith(ta, (remote) => ['--mkpath', file, remote(`${bFolder}/data/toc.dat`)]).catch(() => undefined);
    expect(await readdir(path.join(bFolder, 'data'))).toEqual([]);
    // An upload is write-only: nothing is read back, not even its own.
    const pull = await mkdtemp(path.join(tmpdir(), 'upgrade-pull-'));
    await expect(rsyncWith(ta, (remote) => [remote('/data/'), pull])).rejects.toThrow(/write-only|rsync failed/);
    expect(await readdir(pull)).toEqual([]);
    // A shell command, a pty, forwardings: refused.
    const shell = await ssh(ta, [], ['cat', '/etc/passwd']);
    expect(shell.code).not.toBe(0);
    expect(shell.stdout).not.toContain('root:');
    expect(shell.stderr).toContain('does not run rsync');
    const pty = await ssh(ta, ['-tt'], ['true']);
    expect(pty.stderr).toMatch(/PTY allocation request failed/);
    const forward = await ssh(ta, ['-W', `127.0.0.1:${new URL(base).port}`]);
    expect(forward.code).not.toBe(0);
    expect(forward.stderr).toMatch(/administratively prohibited|forwarding/i);
    const remoteForward = await ssh(ta, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '127.0.0.1:0:127.0.0.1:22']);
    expect(remoteForward.code).not.toBe(0);
    expect(remoteForward.stderr).toMatch(/remote port forwarding failed|administratively prohibited/i);

    // After the transfer stops, the key opens nothing.
    await rpc(base, 'transfer/stop', { token: a.token });
    const after = await ssh(ta, [], ['true']);
    expect(after.stderr).toMatch(/Permission denied/);
    await rpc(base, 'transfer/stop', { token: b.token });
  });

  it('gives one public key one transfer at a time: another request cannot borrow a caller\'s public key to catch its dump', async () => {
    const victim = await createRequest(base, { ...params, contract: 'M2411011234567' });
    // Public keys are public: another caller sends the victim's.
    const thief = await createRequest(base, { ...params, contract: 'M9999999999999' }, undefined, victim.key);
    await rpcOk(base, 'transfer/start', { token: thief.token, transfer_type: 'upload' });
    const refused = await rpc(base, 'transfer/start', { token: victim.token, transfer_type: 'upload' });
    expect(refused.error.data).toMatchObject({ name: 'StateError' });
    await rpc(base, 'transfer/stop', { token: thief.token });
    await rpcOk(base, 'transfer/start', { token: victim.token, transfer_type: 'upload' });
    expect((await rpc(base, 'transfer/start', { token: thief.token, transfer_type: 'upload' })).error.data.name).toBe('StateError');
    await rpc(base, 'transfer/stop', { token: victim.token });
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

  it('killed in the middle of an upgrade, it finishes the request after its restart and leaves no scratch database; a pending request cancels', { timeout: 150_000 }, async () => {
    // Slow enough to be killed while migrating the modules.
    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '120000', UPGRADE_PLATFORM_ARCHIVE_HOURS: '0.003' }));
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgkill' });
    const r = await uploadedRequest(running.url, tenant, '17.0', '18.0');
    await rpcOk(running.url, 'process', { token: r.token });
    await waitForState(running.url, r.token, ['progress']);
    const until = Date.now() + 60_000;
    while (!(await logsFrom(running.url, r.token)).text.includes('Module ')) {
      if (Date.now() > until) throw new Error('the upgrade never reached its modules');
      await new Promise((res) => setTimeout(res, 100));
    }
    // One upgrade at a time: a second request waits, and can still be cancelled.
    const second = await uploadedRequest(running.url, tenant, '17.0', '18.0');
    await rpcOk(running.url, 'process', { token: second.token });
    expect((await rpcOk(running.url, 'status', { token: second.token })).status).toBe('pending');
    expect((await rpcOk(running.url, 'cancel', { token: second.token })).status).toBe('cancelled');

    running.child.kill('SIGKILL');
    await new Promise((res) => running!.child.once('exit', res));
    expect(await scratchLeftOn(dir)).toContain(`dbtools_scratch_upgrade_${r.id}`);

    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '1', UPGRADE_PLATFORM_ARCHIVE_HOURS: '0.003' }));
    const finished = await waitForState(running.url, r.token, ['done', 'failed', 'archived']);
    expect(finished.state).toBe('done');
    expect(await scratchLeftOn(dir)).toEqual([]);
    const log = (await logsFrom(running.url, r.token)).text;
    expect(log).toContain('The platform stopped during this upgrade; it starts again');
    expect(log).toContain('attempt 2');
    // The restarted platform (another assigned host, the same host key) serves the result.
    const dest = await mkdtemp(path.join(tmpdir(), 'upgrade-download-'));
    await downloadResult(running.url, r, dest);
    expect(await readdir(path.join(dest, 'upgraded.dump'))).toContain('toc.dat');
    await rm(dest, { recursive: true, force: true });
    expect((await rpcOk(running.url, 'status', { token: second.token })).status).not.toBe('progress');
  });

  it('archives a finished request after the archive delay: status says so, the download is a 404, the page says archived', async () => {
    expect(running).toBeDefined();
    const url = running!.url;
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgarch' });
    const r = await uploadedRequest(url, tenant, undefined, 'saas~17.4');
    await rpcOk(url, 'process', { token: r.token });
    expect((await waitForState(url, r.token, ['done', 'failed', 'archived'])).state).toBe('done');
    const archived = await waitForState(url, r.token, ['archived'], 60_000);
    // Odoo's client reads the state and the archived flag apart.
    expect(archived).toMatchObject({ status: 'done', archived: true, target: 'saas~17.4', version: '17.0' });
    expect(archived.log_size).toBeGreaterThan(0);
    const dl = await rpc(url, 'transfer/start', { token: r.token, transfer_type: 'download' });
    expect(dl.error.data).toMatchObject({ name: 'NotFound' });
    const html = await (await fetch(`${url}/upgrade/request/page?token=${encodeURIComponent(r.token)}`)).text();
    expect(html).toContain('This request is archived');
    expect(html).toContain('(it was done)');
    // The row is marked archived first and its files deleted right after (a start finishes a
    // deletion a stop cut short): a status read in between sees archived with the files still there.
    await expect.poll(async () => (await readdir(path.join(dir, 'requests', String(r.id)))).sort()).toEqual(['upgrade.log']);
  });

  it('stopped (SIGTERM) in the middle of an upgrade, it stops at once and hands the request back; the next start finishes it', { timeout: 120_000 }, async () => {
    await running!.stop();
    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '120000' }));
    const tenant = await createTestTenant(app, { base: 'dupont-avocats', prefix: 'upgstop' });
    const r = await uploadedRequest(running.url, tenant, '17.0', '18.0');
    await rpcOk(running.url, 'process', { token: r.token });
    const until = Date.now() + 60_000;
    while (!(await logsFrom(running.url, r.token)).text.includes('Module ')) {
      if (Date.now() > until) throw new Error('the upgrade never reached its modules');
      await new Promise((res) => setTimeout(res, 100));
    }
    const stopping = Date.now();
    await running.stop();
    // The paced migration had about 20 s left: the stop does not wait for it.
    expect(Date.now() - stopping).toBeLessThan(10_000);
    running = await spawnUpgradePlatform(env({ UPGRADE_PLATFORM_MS_PER_MB: '1' }));
    expect((await waitForState(running.url, r.token, ['done', 'failed'])).state).toBe('done');
    expect((await logsFrom(running.url, r.token)).text).toContain(
      'The platform stopped during the upgrade: it will start again',
    );
    expect(await scratchLeftOn(dir)).toEqual([]);
  });
});

