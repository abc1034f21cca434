import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import type { App } from '../../src/app.js';
import { runPgTool } from '../../src/hosting/backup-pg.js';
import { findPgBin } from '../../src/hosting/cluster.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { getConfigParameter, odooDatetime, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { databaseFilestore } from '../../src/tenant/filestore.js';
import { AgentSession } from '../support/http.js';
import { uploadDump } from '../support/dump-uploads.js';
import { waitForJob } from '../support/jobs.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

const run = promisify(execFile);
let app: App & { close(): Promise<void> };
let work: string;
let office: AgentSession;
beforeAll(async () => {
  app = await connectTestApp();
  work = await mkdtemp(path.join(tmpdir(), 'dbtools-roundtrip-'));
  office = await AgentSession.login('saas-office');
});
afterAll(async () => {
  await app.close();
  await rm(work, { recursive: true, force: true });
});

/** One demo tenant of each Odoo version we host (src/demo/catalog.ts). */
const BY_VERSION = [
  { version: '16.0', base: 'brouwerij-de-kroon' },
  { version: '17.0', base: 'acme-bakery' },
  { version: '18.0', base: 'boulangerie-martin' },
] as const;

interface Identity {
  uuid?: string;
  secret?: string;
  createDate?: string;
  enterpriseCode?: string;
  expirationDate?: string;
  expirationReason?: string;
  neutralized?: string;
  providerClientId?: string;
  marker?: string;
}

async function identityOf(db: { name: string; server_id: number }): Promise<Identity> {
  return app.tenants.withTenant(db, async (c) => {
    const provider = await c.query<{ client_id: string }>(
      `SELECT p.client_id FROM auth_oauth_provider p JOIN ir_model_data d ON d.res_id = p.id
        WHERE d.model = 'auth.oauth.provider' AND d.module = 'auth_oauth' AND d.name = 'provider_openerp'`,
    );
    return {
      uuid: await getConfigParameter(c, 'database.uuid'),
      secret: await getConfigParameter(c, 'database.secret'),
      createDate: await getConfigParameter(c, 'database.create_date'),
      enterpriseCode: await getConfigParameter(c, 'database.enterprise_code'),
      expirationDate: await getConfigParameter(c, 'database.expiration_date'),
      expirationReason: await getConfigParameter(c, 'database.expiration_reason'),
      neutralized: await getConfigParameter(c, 'database.is_neutralized'),
      providerClientId: provider.rows[0]?.client_id,
      marker: await getConfigParameter(c, 'test.marker'),
    };
  });
}

/** A source tenant with a subscription code and a marker, as a customer's database would have. */
async function sourceTenant(base: string): Promise<{ row: DatabaseRow; before: Identity }> {
  const row = await createTestTenant(app, { base });
  await app.tenants.withTenant(row, async (c) => {
    await setConfigParameter(c, 'database.enterprise_code', 'M2411221234567');
    await setConfigParameter(c, 'test.marker', `from-${row.name}`);
    await setConfigParameter(c, 'database.create_date', '2020-01-01 00:00:00');
  });
  return { row, before: await identityOf(row) };
}

/** What Odoo leaves in a database made from another one's data, checked field by field. */
function expectNewIdentity(copy: DatabaseRow, after: Identity, before: Identity, testCopy: boolean): void {
  expect(after.uuid).toBe(copy.uuid);
  expect(after.uuid).not.toBe(before.uuid);
  expect(after.secret).toBeTruthy();
  expect(after.secret).not.toBe(before.secret);
  expect(after.createDate).not.toBe(before.createDate);
  expect(after.providerClientId).toBe(copy.uuid);
  expect(after.enterpriseCode).toBeUndefined();
  expect(after.expirationDate).toBe(odooDatetime(copy.expire_date!));
  expect(after.expirationReason).toBe('trial');
  expect(after.neutralized).toBe(testCopy ? 'true' : undefined);
  expect(after.marker).toBe(before.marker);
}

async function zipOf(entries: { name: string; data?: Buffer; file?: string }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.file) zip.addFile(e.file, e.name);
    else zip.addBuffer(e.data!, e.name);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function filesUnder(dir: string, prefix = ''): Promise<{ rel: string; abs: string }[]> {
  const out: { rel: string; abs: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(path.join(dir, e.name), rel)));
    else out.push({ rel, abs: path.join(dir, e.name) });
  }
  return out;
}

const upload = (name: string, body: Buffer) => uploadDump(office, name, body);

describe.each(BY_VERSION)('round trips of an Odoo $version database', ({ version, base }) => {
  it(`a dump we made restores the way Odoo's database manager restores it (createdb, psql -f dump.sql, filestore) [${version}]`, async () => {
    const { row } = await sourceTenant(base);
    expect(row.version).toBe(version);
    const functional = await AgentSession.login('functional');
    const res = await functional.run(row.name, 'prepare-dump', { email: 'customer@example.com' });
    expect(res.status).toBe(200);
    const job = await waitForJob(functional, res.body.job.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const page = await functional.get(`/api/databases/${row.name}`);
    const url = new URL(page.body.tools.dump.url);
    const zip = Buffer.from(await (await fetch(baseUrl() + url.pathname + url.search)).arrayBuffer());
    const zipFile = path.join(work, `ours-${version}.zip`);
    await writeFile(zipFile, zip);
    const manifest = JSON.parse((await run('unzip', ['-p', zipFile, 'manifest.json'])).stdout);
    expect(manifest.major_version).toBe(version);
    const extract = path.join(work, `ours-${version}`);
    await run('unzip', ['-q', zipFile, '-d', extract]);

    const server = await embeddedServer(app);
    const env = {
      ...process.env,
      PGHOST: server.host,
      PGPORT: String(server.port),
      PGUSER: server.superuser,
      PGPASSWORD: server.password ?? '',
    };
    const bin = await findPgBin();
    const restored = `odoo-restored-${version.replace('.', '-')}-${process.pid}`;
    await run(path.join(bin, 'createdb'), ['--encoding=UTF8', '--template=template0', restored], { env });
    try {
      await run(
        path.join(bin, 'psql'),
        ['--dbname', restored, '-q', '-v', 'ON_ERROR_STOP=1', '-f', path.join(extract, 'dump.sql')],
        { env },
      );
      const c = new pg.Client({ ...app.tenants.clusterConfig(server), database: restored });
      await c.connect();
      try {
        expect(await getConfigParameter(c, 'test.marker')).toBe(`from-${row.name}`);
        expect(await getConfigParameter(c, 'database.uuid')).toBe(row.uuid);
        const atts = await c.query<{ store_fname: string }>(
          'SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL',
        );
        expect(atts.rows.length).toBeGreaterThan(0);
        for (const a of atts.rows) await readFile(path.join(extract, 'filestore', a.store_fname));
      } finally {
        await c.end();
      }
    } finally {
      await run(path.join(bin, 'dropdb'), ['--if-exists', restored], { env });
    }
  });

  it(`a dump made the way Odoo makes it (pg_dump --no-owner, manifest, filestore) imports as a new database of its own [${version}]`, async () => {
    const { row: source, before } = await sourceTenant(base);
    const server = await embeddedServer(app);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await runPgTool(server, 'pg_dump', ['--no-owner', '--dbname', source.name], { stdout: out });
    const manifest = {
      odoo_dump: '1',
      db_name: source.name,
      version,
      version_info: [Number(version.split('.')[0]), 0, 0, 'final', 0, ''],
      major_version: version,
      pg_version: '15.0',
      modules: { base: `${version}.1.3` },
    };
    const files = await filesUnder(databaseFilestore(server.filestore_root, source.name));
    expect(files.length).toBeGreaterThan(0);
    const zip = await zipOf([
      { name: 'dump.sql', data: Buffer.concat(chunks) },
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 4)) },
      ...files.map((f) => ({ name: `filestore/${f.rel}`, file: f.abs })),
    ]);
    const name = `odoo-import-${version.replace('.', '-')}-${process.pid}`;
    const res = await upload(name, zip);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const job = await waitForJob(office, res.body.job!.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const row = (await findDatabase(app.metabase, name))!;
    expect(row).toMatchObject({ state: 'active', version, duplicate_of: null, mode: 'trial' });
    expectNewIdentity(row, await identityOf(row), before, false);
    const imported = await filesUnder(databaseFilestore(server.filestore_root, name));
    expect(imported.map((f) => f.rel).sort()).toEqual(files.map((f) => f.rel).sort());
  });
});

describe('a test copy gets a new identity and is neutralized, whichever way it is made', () => {
  it('duplicate: new uuid, secret and create date, provider_openerp client_id = uuid, no enterprise_code, expiration = the row, neutralized', async () => {
    const { row: source, before } = await sourceTenant('acme-bakery');
    const technical = await AgentSession.login('technical');
    const res = await technical.run(source.name, 'duplicate', {});
    expect(res.status).toBe(200);
    const job = await waitForJob(technical, res.body.job.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const copy = (await findDatabase(app.metabase, res.body.result?.name ?? String(job.result?.name)))!;
    expect(copy).toMatchObject({ state: 'active', duplicate_of: source.name, email_daily_limit: 20 });
    expectNewIdentity(copy, await identityOf(copy), before, true);
  });

  it('restore into a new database: the same identity and neutralization as a duplicate, the same e-mail limit and lifetime', async () => {
    const { row: source, before } = await sourceTenant('acme-bakery');
    const technical = await AgentSession.login('technical');
    const backup = await technical.run(source.name, 'backup-now');
    const backupJob = await waitForJob(technical, backup.body.job.id, 120_000);
    expect(backupJob.state, backupJob.error ?? '').toBe('completed');
    const target = `${source.name}-restored`;
    const res = await technical.run(source.name, 'restore-backup', {
      backup: backupJob.result!.backup,
      target,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // The new database's row is reserved with the job, as for a duplicate.
    expect((await findDatabase(app.metabase, target))?.state).toMatch(/creating|active/);
    const job = await waitForJob(technical, res.body.job.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const copy = (await findDatabase(app.metabase, target))!;
    expect(copy).toMatchObject({ state: 'active', duplicate_of: source.name, email_daily_limit: 20 });
    expect(copy.expire_date!.getTime() - copy.create_date.getTime()).toBe(4 * 3_600_000);
    expectNewIdentity(copy, await identityOf(copy), before, true);
  });
});
