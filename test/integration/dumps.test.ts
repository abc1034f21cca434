import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import type { App } from '../../src/app.js';
import { dumpDownloadPath } from '../../src/dumps/link.js';
import { findPgBin } from '../../src/hosting/cluster.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { getConfigParameter, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { rawZip, uploadDump } from '../support/dump-uploads.js';
import { waitForJob } from '../support/jobs.js';
import { AgentSession, call } from '../support/http.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

const run = promisify(execFile);
let app: App & { close(): Promise<void> };
let work: string;
beforeAll(async () => {
  app = await connectTestApp();
  work = await mkdtemp(path.join(tmpdir(), 'dbtools-dumps-'));
});
afterAll(async () => {
  await app.close();
  await rm(work, { recursive: true, force: true });
});

/** Prepares a dump through the API and answers the Tools page's dump entry once ready. */
async function prepareDump(s: AgentSession, db: string, email: string) {
  const res = await s.run(db, 'prepare-dump', { email });
  expect(res.status).toBe(200);
  const job = await waitForJob(s, res.body.job.id, 120_000);
  expect(job.state, job.error ?? '').toBe('completed');
  const page = await s.call('GET /api/databases/:name', { params: { name: db } });
  return page.body.tools.dump as { id: number; state: string; url: string; size: number };
}

async function download(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const u = new URL(url);
  const res = await fetch(baseUrl() + u.pathname + u.search, { headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

describe('dumps', () => {
  it('a dump zip restores exactly as Odoo’s database manager does it (createdb, psql -f dump.sql, filestore)', async () => {
    const db = await createTestTenant(app);
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'test.marker', 'in-the-dump'));
    const functional = await AgentSession.login('functional');
    const dump = await prepareDump(functional, db.name, 'customer@example.com');
    expect(dump.state).toBe('ready');
    const got = await download(dump.url);
    expect(got.status).toBe(200);
    expect(got.body.length).toBe(dump.size);
    const zip = path.join(work, 'odoo.zip');
    await writeFile(zip, got.body);
    // Every entry's CRC and sizes check out (dump.sql is deflated in parallel chunks joined into one stream).
    expect((await run('unzip', ['-t', zip])).stdout).toContain('No errors detected');
    const listing = (await run('unzip', ['-Z1', zip])).stdout.trim().split('\n');
    expect(listing[0]).toBe('dump.sql');
    expect(listing[1]).toBe('manifest.json');
    expect(listing.filter((n) => n.startsWith('filestore/')).length).toBeGreaterThan(0);
    const manifest = JSON.parse((await run('unzip', ['-p', zip, 'manifest.json'])).stdout);
    expect(Object.keys(manifest)).toEqual([
      'odoo_dump',
      'db_name',
      'version',
      'version_info',
      'major_version',
      'pg_version',
      'modules',
    ]);
    expect(manifest).toMatchObject({
      odoo_dump: '1',
      db_name: db.name,
      version: db.version,
      major_version: '17.0',
    });
    expect(manifest.version_info).toEqual([17, 0, 0, 'final', 0, '']);
    expect(manifest.pg_version).toMatch(/^\d+\.0$/);
    expect(manifest.modules.base).toMatch(/^17\.0\./);

    // Odoo's restore_db: extract dump.sql and filestore/, createdb, psql -q -f dump.sql, move the filestore.
    const extract = path.join(work, 'extract');
    await run('unzip', ['-q', zip, 'dump.sql', 'filestore/*', '-d', extract]);
    const server = await embeddedServer(app);
    const restored = `odoo-restore-${process.pid}`;
    const env = {
      ...process.env,
      PGHOST: server.host,
      PGPORT: String(server.port),
      PGUSER: server.superuser,
      PGPASSWORD: server.password ?? '',
    };
    const bin = await findPgBin();
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
        expect(await getConfigParameter(c, 'test.marker')).toBe('in-the-dump');
        const atts = await c.query<{ store_fname: string }>(
          `SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL`,
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

  it('the link serves byte ranges, refuses a changed link (403) and an expired one (410), and the mail is in the Outbox', async () => {
    const db = await createTestTenant(app);
    const functional = await AgentSession.login('functional');
    const email = `range-${process.pid}@example.com`;
    const dump = await prepareDump(functional, db.name, email);
    const whole = await download(dump.url);
    const part = await download(dump.url, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${dump.size}`);
    expect(part.body.equals(whole.body.subarray(100, 200))).toBe(true);
    const tail = await download(dump.url, { range: 'bytes=-10' });
    expect(tail.body.equals(whole.body.subarray(whole.body.length - 10))).toBe(true);
    expect((await download(dump.url, { range: `bytes=${dump.size + 5}-` })).status).toBe(416);

    const tampered = dump.url.replace(/signature=./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A'));
    expect((await download(tampered)).status).toBe(403);
    const otherId = dump.url.replace(`/dumps/${dump.id}/`, `/dumps/${dump.id + 1000}/`);
    expect((await download(otherId)).status).toBe(403);
    const expired = dumpDownloadPath(app, dump.id, new Date(Date.now() - 60_000));
    expect((await download(`http://x${expired}`)).status).toBe(410);

    const infra = await AgentSession.login('infra');
    expect((await functional.call('GET /api/outbox')).status).toBe(403);
    let mail: { id: string; subject: string } | undefined;
    for (let i = 0; i < 50 && !mail; i++) {
      const box = await infra.call('GET /api/outbox');
      mail = box.body.messages.find((m: { to: string[] }) => m.to.includes(email));
      if (!mail) await new Promise((r) => setTimeout(r, 100));
    }
    expect(mail?.subject).toContain(db.name);
    const full = await infra.call('GET /api/outbox/:id', { params: { id: mail!.id } });
    expect(full.body.text).toContain(new URL(dump.url).search);
  });

  it('import-dump creates a new database from one of our zips', async () => {
    const db = await createTestTenant(app);
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'test.marker', 'imported'));
    const functional = await AgentSession.login('functional');
    const dump = await prepareDump(functional, db.name, 'x@example.com');
    const zip = (await download(dump.url)).body;
    const office = await AgentSession.login('saas-office');
    const name = `${db.name}-imported`;
    expect((await uploadDump(functional, name, zip)).status).toBe(403);
    const res = await uploadDump(office, name, zip);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const job = await waitForJob(office, res.body.job!.id, 120_000);
    expect(job.state, job.error ?? '').toBe('completed');
    const row = (await findDatabase(app.metabase, name))!;
    expect(row.uuid).not.toBe(db.uuid);
    expect(await app.tenants.withTenant(row, (c) => getConfigParameter(c, 'test.marker'))).toBe('imported');
    const server = await embeddedServer(app);
    expect((await readdir(path.join(server.filestore_root, name))).length).toBeGreaterThan(0);
  });

  it('import-dump refuses a ../ path, a zip bomb and a zip without dump.sql, creating nothing', async () => {
    const office = await AgentSession.login('saas-office');
    const server = await embeddedServer(app);
    const before = await readdir(path.join(app.config.dataDir, 'imports')).catch(() => []);
    const cases: [string, Buffer, RegExp][] = [
      [
        'evil',
        rawZip([
          { name: 'dump.sql', data: Buffer.from('SELECT 1;') },
          { name: '../../etc/evil', data: Buffer.from('x') },
        ]),
        /outside/,
      ],
      ['nodump', rawZip([{ name: 'manifest.json', data: Buffer.from('{}') }]), /no dump\.sql/],
      ['notzip', Buffer.from('this is not a zip at all'), /not a readable zip/],
    ];
    const bomb = new yazl.ZipFile();
    bomb.addBuffer(Buffer.alloc(64 * 1024 * 1024), 'dump.sql', { compressionLevel: 9 });
    bomb.end();
    const chunks: Buffer[] = [];
    for await (const c of bomb.outputStream) chunks.push(c as Buffer);
    cases.push(['bomb', Buffer.concat(chunks), /zip bomb/]);
    for (const [label, body, message] of cases) {
      const name = `refused-${label}-${process.pid}`;
      const res = await uploadDump(office, name, body);
      expect(res.status, label).toBe(422);
      expect(res.body.error!.message, label).toMatch(message);
      expect(await findDatabase(app.metabase, name)).toBeUndefined();
      const onCluster = await app.tenants.withCluster(server.id, (c) =>
        c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
      );
      expect(onCluster.rowCount, label).toBe(0);
    }
    expect(await readdir(path.join(app.config.dataDir, 'imports')).catch(() => [])).toEqual(before);
    const evil = await call('GET', '/api/dumps/1/download?expires=1&signature=x');
    expect(evil.status).toBe(403);
  });
});
