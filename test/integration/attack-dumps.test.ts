import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import type { App } from '../../src/app.js';
import { runPgTool } from '../../src/hosting/backup-pg.js';
import { RESERVED_NAME_PREFIX } from '../../src/hosting/database-name.js';
import { tenantRoleName } from '../../src/hosting/tenant-role.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { METABASE_NAME } from '../../src/platform.js';
import { scratchName } from '../../src/provisioning/scratch.js';
import { getConfigParameter, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { AgentSession, call } from '../support/http.js';
import { rawZip, uploadDump, type ZipEntry } from '../support/dump-uploads.js';
import { waitForJob } from '../support/jobs.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let office: AgentSession;
beforeAll(async () => {
  app = await connectTestApp();
  office = await AgentSession.login('saas-office');
});
afterAll(async () => {
  await app.close();
});

/** An Odoo-format zip (dump.sql + manifest) holding the given SQL, as yazl writes it. */
async function odooZip(sql: string | Buffer): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.isBuffer(sql) ? sql : Buffer.from(sql), 'dump.sql');
  zip.addBuffer(
    Buffer.from(JSON.stringify({ odoo_dump: '1', version: '17.0', major_version: '17.0' })),
    'manifest.json',
  );
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const upload = (name: string, body: Buffer) => uploadDump(office, name, body);

async function onCluster(name: string): Promise<boolean> {
  const server = await embeddedServer(app);
  const res = await app.tenants.withCluster(server.id, (c) =>
    c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  );
  return !!res.rowCount;
}

async function loaderRolesLeft(): Promise<string[]> {
  const server = await embeddedServer(app);
  const res = await app.tenants.withCluster(server.id, (c) =>
    c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [
      RESERVED_NAME_PREFIX,
    ]),
  );
  return res.rows.map((r) => r.rolname);
}

/** Nothing of an import named `name` exists: no row, no database, no filestore folder; nor of its job. */
async function expectNothingCreated(name: string, jobId?: number): Promise<void> {
  const server = await embeddedServer(app);
  expect(await findDatabase(app.metabase, name)).toBeUndefined();
  expect(await onCluster(name)).toBe(false);
  expect(existsSync(path.join(server.filestore_root, name))).toBe(false);
  if (jobId === undefined) return;
  expect(await loaderRolesLeft()).not.toContain(scratchName('loader', jobId));
  expect(await onCluster(scratchName('import', jobId))).toBe(false);
  expect(existsSync(path.join(server.filestore_root, scratchName('import', jobId)))).toBe(false);
}

const tag = `${process.pid}-${Date.now().toString(36)}`;
const proof = (label: string) => path.join(tmpdir(), `dbtools-attack-${tag}-${label}`);

describe('customer dumps run with the least privilege that can restore them', () => {
  it('malicious dump.sql files fail harmlessly: no shell, no program, no role, no metabase write, no leaked password, no planted trigger run as superuser', async () => {
    const server = await embeddedServer(app);
    const passwordFile = path.join(app.config.dataDir, 'pg', 'cluster.json');
    expect(await readFile(passwordFile, 'utf8')).toContain(server.password!);
    const role = `attack_${process.pid}`;
    const attacks: { label: string; sql: string }[] = [
      { label: 'shell', sql: `CREATE TABLE t (a int);\n\\! id > ${proof('shell')}\nSELECT 1;\n` },
      { label: 'program', sql: `COPY (SELECT 1) TO PROGRAM 'id > ${proof('program')}';\n` },
      { label: 'role', sql: `CREATE ROLE ${role} SUPERUSER LOGIN;\n` },
      {
        label: 'metabase',
        sql: `\\connect ${METABASE_NAME}\nUPDATE agent SET level = 5 WHERE login = 'functional';\n`,
      },
      { label: 'password', sql: `\\! cat ${passwordFile} >&2\nSELECT no_such_column FROM no_such_table;\n` },
      {
        // A trigger planted for the platform's own writes (the new identity) to fire.
        label: 'trigger',
        sql: [
          'CREATE TABLE ir_config_parameter (id serial PRIMARY KEY, key varchar NOT NULL UNIQUE, value text,',
          '  create_date timestamp, write_date timestamp);',
          'CREATE FUNCTION planted() RETURNS trigger LANGUAGE plpgsql AS $$',
          `BEGIN COPY (SELECT 1) TO PROGRAM 'id > ${proof('trigger')}'; RETURN NEW; END $$;`,
          'CREATE TRIGGER planted BEFORE INSERT OR UPDATE ON ir_config_parameter',
          '  FOR EACH ROW EXECUTE FUNCTION planted();',
          '',
        ].join('\n'),
      },
    ];
    const jobs = [];
    for (const a of attacks) {
      const name = `attack-${a.label}-${tag}`;
      const res = await upload(name, await odooZip(a.sql));
      expect(res.status, a.label).toBe(202);
      jobs.push({ ...a, name, id: res.body.job!.id });
    }
    for (const j of jobs) {
      const job = await waitForJob(office, j.id, 120_000);
      expect(job.state, j.label).toBe('failed');
      const read = await office.get(`/api/jobs/${j.id}`);
      expect(read.body.error, j.label).toBeTruthy();
      expect(read.body.error, j.label).not.toContain(server.password!);
      await expectNothingCreated(j.name, j.id);
    }
    expect(existsSync(proof('shell'))).toBe(false);
    expect(existsSync(proof('program'))).toBe(false);
    expect(existsSync(proof('trigger'))).toBe(false);
    const roles = await app.tenants.withCluster(server.id, (c) =>
      c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]),
    );
    expect(roles.rowCount).toBe(0);
    const functional = await app.metabase
      .selectFrom('agent')
      .select('level')
      .where('login', '=', 'functional')
      .executeTakeFirstOrThrow();
    expect(functional.level).toBe(2);
  });

  it('a zip with two dump.sql entries is refused (422) and nothing is created', async () => {
    const name = `attack-twodumps-${tag}`;
    const before = await readdir(path.join(app.config.dataDir, 'imports')).catch(() => []);
    const res = await upload(
      name,
      rawZip([
        { name: 'dump.sql', data: Buffer.from('SELECT 1;\n') },
        { name: 'dump.sql', data: Buffer.from(`COPY (SELECT 1) TO PROGRAM 'id > ${proof('two')}';\n`) },
      ]),
    );
    expect(res.status).toBe(422);
    expect(res.body.error!.message).toMatch(/more than one dump\.sql/);
    await expectNothingCreated(name);
    expect(await readdir(path.join(app.config.dataDir, 'imports')).catch(() => [])).toEqual(before);
  });

  it('a zip whose entry name holds a NUL byte is refused (422), nothing is created, and the support log records the refusal', async () => {
    const name = `attack-nul-${tag}`;
    const before = await readdir(path.join(app.config.dataDir, 'imports')).catch(() => []);
    const res = await upload(
      name,
      rawZip([
        { name: 'dump.sql', data: Buffer.from('SELECT 1;\n') },
        { name: 'filestore/ab/x\0.sh', data: Buffer.from('#!/bin/sh\n') },
      ]),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error!.message).toMatch(/points outside the archive/);
    expect(res.body.error!.message).not.toContain('\0');
    await expectNothingCreated(name);
    expect(await readdir(path.join(app.config.dataDir, 'imports')).catch(() => [])).toEqual(before);
    const logged = await app.metabase
      .selectFrom('support_log')
      .selectAll()
      .where('operation', '=', 'import-dump')
      .where('database_name', '=', name)
      .execute();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ outcome: 'failure', agent_login: 'saas-office' });
    expect(logged[0].message).toMatch(/filestore\/ab\/x\\u0000\.sh.*points outside the archive/);
  });

  it('an Odoo-made --no-owner dump with pg_trgm and unaccent imports, and ends owned by the tenant’s own role with no loader role left', async () => {
    const server = await embeddedServer(app);
    const source = await createTestTenant(app);
    await app.tenants.withTenant(source, async (c) => {
      // What Odoo's _create_empty_database and its trigram indexes leave in a real database.
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await c.query('CREATE EXTENSION IF NOT EXISTS unaccent');
      await c.query('CREATE INDEX res_users_login_trgm ON res_users USING gin (login gin_trgm_ops)');
      await setConfigParameter(c, 'test.marker', 'odoo-made');
    });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await runPgTool(server, 'pg_dump', ['--no-owner', '--dbname', source.name], { stdout: out });
    const sql = Buffer.concat(chunks);
    // pg_dump 15.14+ wraps its output in its own \restrict/\unrestrict: the import must cope.
    expect(sql.toString()).toMatch(/^\\restrict /m);
    const name = `odoo-made-${tag}`;
    const res = await upload(name, await odooZip(sql));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const job = await waitForJob(office, res.body.job!.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const row = (await findDatabase(app.metabase, name))!;
    await app.tenants.withTenant(row, async (c) => {
      expect(await getConfigParameter(c, 'test.marker')).toBe('odoo-made');
      const ext = await c.query<{ extname: string }>(
        `SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'unaccent') ORDER BY 1`,
      );
      expect(ext.rows.map((r) => r.extname)).toEqual(['pg_trgm', 'unaccent']);
      const foreign = await c.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> $1`,
        [tenantRoleName(name)],
      );
      expect(foreign.rows).toEqual([]);
      const owner = await c.query<{ owner: string }>(
        `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()`,
      );
      expect(owner.rows[0].owner).toBe(tenantRoleName(name));
    });
    expect(await loaderRolesLeft()).not.toContain(scratchName('loader', res.body.job!.id));
  });
});

describe('scratch databases live in a namespace no tenant can take', () => {
  it('a tenant name in the reserved namespace is refused by duplicate and by import (422), creating nothing', async () => {
    const source = await createTestTenant(app);
    const taken = scratchName('restore', 999_999);
    const dup = await office.run(source.name, 'duplicate', { name: taken });
    expect(dup.status).toBe(422);
    expect(dup.body.error.message).toMatch(/reserved/);
    const imp = await upload(scratchName('import', 999_999), await odooZip('SELECT 1;\n'));
    expect(imp.status).toBe(422);
    expect(imp.body.error!.message).toMatch(/reserved/);
    expect(await onCluster(taken)).toBe(false);
    expect(await findDatabase(app.metabase, taken)).toBeUndefined();
  });

  it('an import never drops a tenant it did not create: a registered database holding its scratch name is left alone and reported', async () => {
    const seq = await app.metabase
      .selectFrom('job')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirstOrThrow();
    const next = Number(seq.max ?? 0) + 1;
    // A tenant created before the namespace was reserved, named as the next import's scratch database.
    const legacy = await createTestTenant(app, { name: scratchName('import', next) });
    await app.tenants.withTenant(legacy, (c) => setConfigParameter(c, 'test.marker', 'legacy'));
    const health = await call('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body.tenantsInReservedNamespace).toContain(legacy.name);

    const name = `collide-${tag}`;
    const res = await upload(name, await odooZip('CREATE TABLE t (a int);\n'));
    expect(res.status).toBe(202);
    expect(res.body.job!.id).toBe(next);
    const job = await waitForJob(office, next, 120_000);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/held by a registered database/);
    expect(await app.tenants.withTenant(legacy, (c) => getConfigParameter(c, 'test.marker'))).toBe('legacy');
    expect((await findDatabase(app.metabase, legacy.name))?.state).toBe('active');
    await expectNothingCreated(name);
    expect(await loaderRolesLeft()).not.toContain(scratchName('loader', next));
  });
});

describe('zip bombs are refused before anything is written', () => {
  it('64 entries of 15 MB of zeros (a ~1 MB upload) are refused (422): nothing extracted, nothing created', async () => {
    const deflated = deflateRawSync(Buffer.alloc(15 * 1024 * 1024), { level: 9 });
    const entries: ZipEntry[] = [{ name: 'dump.sql', data: Buffer.from('SELECT 1;\n') }];
    for (let i = 0; i < 64; i++) {
      entries.push({ name: `filestore/ab/bomb${i}`, zeros: { deflated, size: 15 * 1024 * 1024 } });
    }
    const body = rawZip(entries);
    expect(body.length).toBeLessThan(2 * 1024 * 1024);
    const before = await readdir(path.join(app.config.dataDir, 'imports')).catch(() => []);
    const name = `bomb-${tag}`;
    const res = await upload(name, body);
    expect(res.status).toBe(422);
    expect(res.body.error!.message).toMatch(/zip bomb/);
    await expectNothingCreated(name);
    expect(await readdir(path.join(app.config.dataDir, 'imports')).catch(() => [])).toEqual(before);
  });
});

afterAll(async () => {
  for (const label of ['shell', 'program', 'trigger', 'two']) await rm(proof(label), { force: true });
});
