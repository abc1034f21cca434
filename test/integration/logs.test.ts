import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { writeDemoHistory } from '../../src/logs/demo-writer.js';
import { formatRecord } from '../../src/logs/format.js';
import { dayFileName, LIVE_FILE, listLogFiles } from '../../src/logs/layout.js';
import { ensureDemoLogPassword, rotateLogPassword } from '../../src/logs/password.js';
import { gzipCrashSafe, rotateLogDir } from '../../src/logs/rotate.js';
import { LogScanner, type LogLine, type ScanFilter } from '../../src/logs/scan.js';
import { WatchedFile } from '../../src/logs/watched-file.js';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { upsertServer } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { techLogsTool } from '../../src/tools/tech-logs.js';
import { createServer } from '../../src/api/server.js';
import { AgentSession, call } from '../support/http.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
let app: App & { close(): Promise<void> };
let work: string;
let server: HostingServerRow;
/**
 * A hosting server of this file's own (same cluster, its own log folder): its password and
 * files are not shared with other test files running at the same time (the permission matrix
 * rotates the embedded server's log password).
 */
let own: HostingServerRow;
const OWN = `zz-logs-${process.pid}`;
/** A day of demo history (~2 MB), plain and gzipped, copied into the server's log folder under days of their own. */
let sample: string;
const PLAIN_DAY = '1999-12-31';
const GZ_DAY = '1999-12-29';

beforeAll(async () => {
  app = await connectTestApp();
  server = await embeddedServer(app);
  work = await mkdtemp(path.join(tmpdir(), 'dbtools-logs-'));
  const history = path.join(work, 'history');
  await writeDemoHistory(history, new Date('2000-01-01T15:00:00Z'), ['acme-bakery', 'northwind-coffee', 'law-firm'], 12_000);
  sample = path.join(history, dayFileName(PLAIN_DAY));
  // Its own server row: the local one's cluster and folders, without its front end (one per address).
  const { id: _id, created_at: _created, front_address: _a, front_http_port: _h, front_https_port: _s, ...local } = server;
  own = await upsertServer(app.metabase, { ...local, name: OWN, log_dir: path.join(work, 'own-logs') });
  await mkdir(own.log_dir);
  await copyFile(sample, path.join(own.log_dir, dayFileName(PLAIN_DAY)));
  await copyFile(path.join(history, dayFileName(GZ_DAY, true)), path.join(own.log_dir, dayFileName(GZ_DAY, true)));
});
afterAll(async () => {
  await app.metabase.deleteFrom('hosting_server').where('name', '=', OWN).execute();
  await app.metabase.deleteFrom('platform_setting').where('key', '=', `logs_password_hash:${OWN}`).execute();
  await app.close();
  await rm(work, { recursive: true, force: true });
});

async function grep(args: string[]): Promise<string[]> {
  const out = await run('sh', ['-c', 'grep "$@"; test $? -le 1', 'grep', ...args], { maxBuffer: 1 << 30 }).catch((e) => {
    throw new Error(`grep failed: ${(e as Error).message}`);
  });
  return out.stdout.split('\n').filter(Boolean);
}

const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('the Odoo-like log writer', () => {
  it('writes Odoo’s exact line format: werkzeug perf triples, - - - for static files, ? for server-wide lines, tracebacks without prefix', async () => {
    const lines = (await readFile(sample, 'utf8')).split('\n').filter(Boolean);
    const head = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \d+ (INFO|WARNING|ERROR) (\S+) ([\w.]+): /;
    let werkzeug = 0;
    let statics = 0;
    let serverWide = 0;
    let traceback = 0;
    for (const line of lines) {
      const m = head.exec(line);
      if (!m) {
        // A continuation line: part of a traceback.
        expect(line).toMatch(/^(Traceback \(most recent call last\):| {2}File "| {4}|[\w.]+(Error|Exception): )/);
        traceback++;
        continue;
      }
      if (m[3] === 'werkzeug') {
        expect(line).toMatch(/ - - \[\d{2}\/\w{3}\/\d{4} \d{2}:\d{2}:\d{2}\] "(GET|POST) \S+ HTTP\/1\.1" \d{3} - (\d+ \d+\.\d{3} \d+\.\d{3}|- - -)$/);
        werkzeug++;
        if (line.endsWith(' - - -')) statics++;
      } else if (m[1] !== 'ERROR') {
        // Every other record ends with Odoo's empty perf_info, after a space.
        expect(line.endsWith(' ')).toBe(true);
      }
      if (m[2] === '?') serverWide++;
    }
    expect(werkzeug).toBeGreaterThan(lines.length / 3);
    expect(statics).toBeGreaterThan(10);
    expect(serverWide).toBeGreaterThan(10);
    expect(traceback).toBeGreaterThan(50);
  });

  it('keeps appending across a rotation by rename, as Odoo’s WatchedFileHandler does', async () => {
    const dir = await mkdtemp(path.join(work, 'watched-'));
    const live = path.join(dir, LIVE_FILE);
    const file = new WatchedFile(live);
    const record = (message: string) =>
      formatRecord({ time: new Date('2026-11-29T05:00:00Z'), pid: 7, level: 'INFO', db: '?', logger: 'odoo.service.server', message });
    await file.append(record('before'));
    await rotateLogDir(dir, new Date('2026-11-29T05:00:00Z'));
    await file.append(record('after'));
    await file.close();
    expect(await readFile(path.join(dir, dayFileName('2026-11-28')), 'utf8')).toBe(record('before'));
    expect(await readFile(live, 'utf8')).toBe(record('after'));
  });
});

describe('rotation', () => {
  it('over 14 simulated days keeps the last 2 days plain, gzips days 3 to 10, deletes older ones, and is idempotent', async () => {
    const dir = await mkdtemp(path.join(work, 'rotation-'));
    const file = new WatchedFile(path.join(dir, LIVE_FILE));
    const written = new Map<string, string>();
    const day = (d: number) => new Date(Date.UTC(2026, 10, 1 + d)).toISOString().slice(0, 10);
    for (let d = 0; d < 14; d++) {
      // During day d (from 05:00 to the next 05:00) the server appends; rotation runs at 05:00 of day d+1.
      const text = formatRecord({
        time: new Date(`${day(d)}T12:00:00Z`), pid: 1, level: 'INFO', db: 'acme-bakery', logger: 'odoo.modules.registry', message: `day ${d}`,
      });
      await file.append(text);
      written.set(day(d), text);
      const at = new Date(`${day(d + 1)}T05:00:00Z`);
      const first = await rotateLogDir(dir, at);
      expect(first.rotated).toBe(day(d));
      const listing = (await readdir(dir)).sort();
      // A second run the same day (a retry, another worker) changes nothing.
      const again = await rotateLogDir(dir, new Date(at.getTime() + 3_600_000));
      expect(again).toEqual({ rotated: null, compressed: [], deleted: [] });
      expect((await readdir(dir)).sort()).toEqual(listing);

      const expected: string[] = [];
      for (let back = 1; back <= 10 && d + 1 - back >= 0; back++) {
        expected.push(dayFileName(day(d + 1 - back), back > 2));
      }
      expect(listing).toEqual(expected.sort());
    }
    await file.close();
    // What rotation kept is what was written, gzipped or not.
    for (const f of await listLogFiles(dir)) {
      const raw = await readFile(path.join(dir, f.name));
      expect((f.compressed ? gunzipSync(raw) : raw).toString()).toBe(written.get(f.day!));
    }
  });

  it('a kill mid-gzip leaves the plain file whole and no .gz; the next rotation finishes the gzip', async () => {
    const dir = await mkdtemp(path.join(work, 'crash-'));
    const day = '2026-11-20';
    const plain = path.join(dir, dayFileName(day));
    // Incompressible lines: gzip takes seconds, long enough to be killed in the middle.
    const lines = randomBytes(60 * 1024 * 1024).toString('base64').match(/.{1,120}/g)!;
    await writeFile(plain, lines.join('\n') + '\n');
    const before = await sha(plain);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `import(${JSON.stringify(path.join(ROOT, 'src/logs/rotate.ts'))}).then((m) => m.gzipCrashSafe(process.argv[1]))`, plain],
      { cwd: ROOT, stdio: 'ignore' },
    );
    const exited = new Promise((r) => child.on('exit', r));
    const partial = `${plain}.gz.partial`;
    for (let i = 0; i < 400; i++) {
      if (((await stat(partial).catch(() => undefined))?.size ?? 0) > 1024 * 1024) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    expect((await stat(partial)).size).toBeGreaterThan(0);
    expect(await sha(plain)).toBe(before);
    expect((await readdir(dir)).filter((n) => n.endsWith('.gz'))).toEqual([]);
    // The listing and the download never offer the partial gzip.
    expect((await listLogFiles(dir)).map((f) => f.name)).toEqual([dayFileName(day)]);

    const result = await rotateLogDir(dir, new Date('2026-11-29T05:00:00Z'));
    expect(result.compressed).toEqual([dayFileName(day)]);
    expect(await readdir(dir)).toEqual([dayFileName(day, true)]);
    expect(createHash('sha256').update(gunzipSync(await readFile(path.join(dir, dayFileName(day, true))))).digest('hex')).toBe(before);
  });

  it('a crash after the .gz was complete but before the plain file was removed: the next rotation removes the plain file', async () => {
    const dir = await mkdtemp(path.join(work, 'crash-after-'));
    const plain = path.join(dir, dayFileName('2026-11-20'));
    await writeFile(plain, 'x\n');
    await gzipCrashSafe(plain);
    await writeFile(plain, 'x\n');
    await rotateLogDir(dir, new Date('2026-11-29T05:00:00Z'));
    expect(await readdir(dir)).toEqual([dayFileName('2026-11-20', true)]);
  });
});

describe('downloads with the log password', () => {
  let password: string;
  const basic = (user: string, pw: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

  beforeAll(async () => {
    password = await rotateLogPassword(app, app.metabase, OWN);
  });

  it('rotating the password needs the SaaS Office level, is audited without the password, and shows it once', async () => {
    const saasOffice = await AgentSession.login('saas-office');
    const technical = await AgentSession.login('technical');
    const db = (await createTestTenant(app, { prefix: 'logs' })).name;
    expect((await technical.run(db, 'rotate-log-password')).status).toBe(403);
    const r = await saasOffice.run(db, 'rotate-log-password');
    expect(r.status).toBe(200);
    expect(r.body.result).toEqual({ server: 'local', user: 'logs', password: expect.stringMatching(/^[\w-]{24}$/) });
    const text = JSON.stringify((await saasOffice.call('GET /api/databases/:name/support-logs', { params: { name: db } })).body);
    expect(text).toContain('rotate-log-password');
    expect(text).not.toContain(r.body.result.password);
    expect((await saasOffice.call('GET /api/databases/:name', { params: { name: db } })).body.tools.tech_logs.password).toBeUndefined();
    const stored = await app.metabase.selectFrom('platform_setting').select('value').where('key', '=', 'logs_password_hash:local').executeTakeFirst();
    expect(stored?.value).toMatch(/^\$argon2id\$/);
  });

  it('the Tools page model lists the files with their links; the password shows to level 4 only while the platform holds it', async () => {
    const database = { ...(await findDatabase(app.metabase, 'acme-bakery'))!, server_id: own.id };
    const model = async (login: string) => {
      const agent = (await findAgentByLogin(app.metabase, login))!;
      const ctx = { app, database, agent, limits: app.policy.limits(agent.level), now: new Date(), validationNumber: () => '' };
      return (await techLogsTool.model(ctx)) as Record<string, unknown> & { files: unknown[] };
    };
    const seen = await model('technical');
    expect(seen.metabase).toMatchObject({ name: 'acme-bakery' });
    expect(seen.viewerUrl).toBe('/databases/acme-bakery/logs');
    expect(seen.files).toContainEqual({
      name: dayFileName(PLAIN_DAY), size: (await stat(sample)).size, compressed: false, url: `/logs/${OWN}/${dayFileName(PLAIN_DAY)}`,
    });
    expect(seen.password).toBeUndefined();
    // A first password kept in clear (the embedded default's): shown to level 4, not to 3.
    await app.metabase.deleteFrom('platform_setting').where('key', '=', `logs_password_hash:${OWN}`).execute();
    await mkdir(path.join(app.config.dataDir, 'hosting', OWN), { recursive: true });
    await ensureDemoLogPassword(app, OWN);
    const shown = (await model('saas-office')).password as string;
    expect(shown).toMatch(/^[\w-]{24}$/);
    expect((await model('technical')).password).toBeUndefined();
    expect((await call('GET', `/logs/${OWN}/${dayFileName(PLAIN_DAY)}`, { headers: basic('logs', shown) })).status).toBe(200);
    // Rotating: the old one stops working, the clear copy is gone, the new one is not shown again.
    password = await rotateLogPassword(app, app.metabase, OWN);
    expect((await call('GET', `/logs/${OWN}/${dayFileName(PLAIN_DAY)}`, { headers: basic('logs', shown) })).status).toBe(401);
    expect((await model('saas-office')).password).toBeUndefined();
    await rm(path.join(app.config.dataDir, 'hosting', OWN), { recursive: true, force: true });
  });

  it('answers 401 without or with a wrong password, 200 with it: plain days inline, gzipped days as downloads', async () => {
    const url = `/logs/${OWN}/${dayFileName(PLAIN_DAY)}`;
    const none = await call('GET', url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await call('GET', url, { headers: basic('logs', password + 'x') })).status).toBe(401);
    expect((await call('GET', url, { headers: basic('admin', password) })).status).toBe(401);
    // A console session is not the log password.
    const saasOffice = await AgentSession.login('saas-office');
    expect((await call('GET', url, { headers: { cookie: saasOffice.cookie } })).status).toBe(401);

    const res = await fetch(baseUrl() + url, { headers: basic('logs', password) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(sample))).toBe(true);

    const gz = await fetch(baseUrl() + `/logs/${OWN}/${dayFileName(GZ_DAY, true)}`, { headers: basic('logs', password) });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-type')).toBe('application/gzip');
    expect(gz.headers.get('content-disposition')).toMatch(/^attachment; filename="zz-logs-\d+-odoo\.log\.1999-12-29\.gz"/);
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toContain(' werkzeug: ');
  });

  it('serves byte ranges: 206 with exactly the asked bytes, 416 beyond the end', async () => {
    const url = baseUrl() + `/logs/${OWN}/${dayFileName(PLAIN_DAY)}`;
    const whole = await readFile(sample);
    const part = await fetch(url, { headers: { ...basic('logs', password), range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 1100))).toBe(true);
    const suffix = await fetch(url, { headers: { ...basic('logs', password), range: 'bytes=-50' } });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(whole.length - 50))).toBe(true);
    expect((await fetch(url, { headers: { ...basic('logs', password), range: `bytes=${whole.length}-` } })).status).toBe(416);
  });

  it('refuses every path outside the log folder with 404, even with the password', async () => {
    await writeFile(path.join(own.log_dir, `${dayFileName(PLAIN_DAY)}.gz.partial`), 'half');
    const paths = [
      `/logs/${OWN}/..%2F..%2F..%2Fetc%2Fpasswd`,
      `/logs/${OWN}/%2Fetc%2Fpasswd`,
      `/logs/${OWN}/..%2Flogs-password`,
      `/logs/${OWN}/${dayFileName(PLAIN_DAY)}.gz.partial`,
      `/logs/${OWN}/backups`,
    ];
    for (const p of paths) expect((await call('GET', p, { headers: basic('logs', password) })).status, p).toBe(404);
    // An unknown server is answered like a wrong password (another server's is one): no name enumeration.
    expect((await call('GET', '/logs/nowhere/odoo.log', { headers: basic('logs', password) })).status).toBe(401);
    // A NUL is refused before any route looks at the path, as everywhere in the API.
    expect((await call('GET', `/logs/${OWN}/odoo.log.1999-12-31%00`, { headers: basic('logs', password) })).status).toBe(400);
    await rm(path.join(own.log_dir, `${dayFileName(PLAIN_DAY)}.gz.partial`));
    // Un-normalized dot segments, as `curl --path-as-is` sends them.
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(baseUrl());
      http
        .get({ host: u.hostname, port: u.port, path: `/logs/${OWN}/../../../../etc/passwd`, headers: basic('logs', password) }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
        .on('error', reject);
    });
    expect(status).toBe(404);
  });
});

describe('search', () => {
  let technical: AgentSession;
  beforeAll(async () => {
    technical = await AgentSession.login('technical');
  });
  type Line = { file: string; n: number; text: string; hit: boolean; level?: string; db?: string };
  /** The streamed answer (NDJSON: `{lines}` batches, then `{done, truncated, files}`), put together. */
  const search = async (params: Record<string, string>) => {
    const r = await technical.get(`/api/logs/${OWN}/search?${new URLSearchParams({ limit: '20000', ...params })}`);
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/x-ndjson');
    // A one-line answer (no hit) parses as JSON on its own.
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body) + '\n';
    expect(text.endsWith('\n')).toBe(true);
    const items = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { lines?: Line[]; done?: true; truncated?: boolean; files?: string[] });
    const last = items.at(-1)!;
    expect(last.done, JSON.stringify(last).slice(0, 300)).toBe(true);
    expect(items.slice(0, -1).every((i) => Array.isArray(i.lines) && i.lines.length > 0)).toBe(true);
    return { lines: items.flatMap((i) => i.lines ?? []), truncated: last.truncated!, files: last.files! };
  };
  const hits = (r: Awaited<ReturnType<typeof search>>) => r.lines.filter((l) => l.hit).map((l) => `${l.n}:${l.text}`);

  it('a fixed string finds exactly the lines grep -F finds, each with its whole record (traceback included)', async () => {
    for (const q of ['ConnectionRefusedError', 'northwind-coffee', '"POST /web/action/load', 'S0', 'no such text anywhere']) {
      const r = await search({ q, file: dayFileName(PLAIN_DAY) });
      expect(hits(r), q).toEqual(await grep(['-nF', q, sample]));
    }
    // A hit on the last line of a traceback brings the record's first line and every line between.
    const r = await search({ q: 'ConnectionRefusedError', file: dayFileName(PLAIN_DAY) });
    const file = (await readFile(sample, 'utf8')).split('\n');
    const first = r.lines.findIndex((l) => l.hit);
    const hitLine = r.lines[first];
    const start = r.lines.findIndex((l) => l.n === hitLine.n - 6);
    expect(r.lines[start].text).toMatch(/ ERROR \S+ odoo\.addons\.base\.models\.ir_cron: Call from cron/);
    expect(r.lines.slice(start, first + 1).map((l) => l.text)).toEqual(file.slice(hitLine.n - 7, hitLine.n));
    expect(r.lines.slice(start, first + 1).every((l) => l.level === 'ERROR')).toBe(true);
  });

  it('streams its answer: batches of lines in file order, then whether the limit cut it', async () => {
    const all = await search({ q: 'werkzeug', file: dayFileName(PLAIN_DAY) });
    expect(all.truncated).toBe(false);
    expect(all.files).toEqual([dayFileName(PLAIN_DAY)]);
    const cut = await search({ q: 'werkzeug', file: dayFileName(PLAIN_DAY), limit: '3' });
    expect(cut.truncated).toBe(true);
    expect(cut.lines).toEqual(all.lines.slice(0, 3));
    const none = await search({ q: 'no such text anywhere', file: dayFileName(PLAIN_DAY) });
    expect(none.lines).toEqual([]);
  });

  it('a regular expression finds exactly the lines grep -E finds', async () => {
    for (const q of ['Job .* done in 1\\.[0-9]+s', '^  File "[^"]*sale', '(404|500) - [0-9]+ ']) {
      const r = await search({ q, regex: 'true', file: dayFileName(PLAIN_DAY) });
      expect(hits(r), q).toEqual(await grep(['-nE', q, sample]));
    }
    expect((await technical.get(`/api/logs/${OWN}/search?q=(&regex=true`)).status).toBe(422);
  });

  it('a gzipped day is searched as a stream and finds what zgrep -F finds', async () => {
    const gz = path.join(own.log_dir, dayFileName(GZ_DAY, true));
    const r = await search({ q: 'Auto-vacuum', file: dayFileName(GZ_DAY, true) });
    const zgrep = (await run('sh', ['-c', `zgrep -nF 'Auto-vacuum' '${gz}'`], { maxBuffer: 1 << 30 })).stdout.split('\n').filter(Boolean);
    expect(hits(r)).toEqual(zgrep);
  });

  it('filters by database and level keep whole records, and ±N context surrounds each hit', async () => {
    const r = await search({ db: 'acme-bakery', level: 'ERROR', file: dayFileName(PLAIN_DAY) });
    expect(r.lines.length).toBeGreaterThan(10);
    expect(r.lines.every((l) => l.db === 'acme-bakery' && l.level === 'ERROR')).toBe(true);
    expect(r.lines.some((l) => l.text.startsWith('Traceback'))).toBe(true);
    const heads = (await grep(['-nE', '^[0-9-]+ [0-9:,]+ [0-9]+ ERROR acme-bakery ', sample])).map((l) => l.split(':')[0]);
    expect(r.lines.filter((l) => l.hit).map((l) => String(l.n))).toEqual(heads);

    const withContext = await search({ q: 'Publisher: Update Notification', context: '2', file: dayFileName(PLAIN_DAY) });
    const grepC = (await grep(['-n', '-F', '-C', '2', 'Publisher: Update Notification', sample])).filter((l) => l !== '--');
    expect(withContext.lines.map((l) => `${l.n}${l.hit ? ':' : '-'}${l.text}`)).toEqual(grepC);
  });

  it('a time range picks the days it covers; the level below technical support is refused', async () => {
    const r = await search({ q: 'werkzeug', from: '1999-12-31T06:00:00Z', to: '1999-12-31T06:10:00Z' });
    expect(r.lines.length).toBeGreaterThan(0);
    expect(r.lines.every((l) => l.file === dayFileName(PLAIN_DAY) && l.text.startsWith('1999-12-31 06:0'))).toBe(true);
    const functional = await AgentSession.login('functional');
    expect((await functional.call('GET /api/logs/:server/search', { params: { server: OWN }, query: { q: 'x' } })).status).toBe(403);
  });
});

describe('the scanner', () => {
  it('gives the same lines whatever the chunk boundaries (records and context cut across chunks)', async () => {
    const bytes = await readFile(sample);
    const filters: ScanFilter[] = [
      { q: 'ConnectionRefusedError', context: 3 },
      { q: 'Job .* done in [0-9]', regex: true, context: 2 },
      { q: '(404|500) - ', regex: true, context: 1 },
      { levels: ['ERROR'], db: 'law-firm', context: 0 },
    ];
    for (const filter of filters) {
      const scan = (size: number) => {
        const out: LogLine[] = [];
        const scanner = new LogScanner('f', filter, (l) => out.push(l));
        for (let i = 0; i < bytes.length; i += size) scanner.push(Buffer.from(bytes.subarray(i, i + size)));
        scanner.end();
        return out;
      };
      const whole = scan(bytes.length);
      expect(whole.length, JSON.stringify(filter)).toBeGreaterThan(10);
      expect(scan(997), JSON.stringify(filter)).toEqual(whole);
      expect(scan(64 * 1024 + 13), JSON.stringify(filter)).toEqual(whole);
    }
  });
});

describe('live tail', () => {
  it('streams a record appended after it started, filtered by database, within a second', async () => {
    const technical = await AgentSession.login('technical');
    const controller = new AbortController();
    const res = await fetch(baseUrl() + '/api/logs/local/tail?db=tail-db', { headers: { cookie: technical.cookie }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await reader.read(); // the stream is open
    const file = new WatchedFile(path.join(server.log_dir, LIVE_FILE));
    const at = (db: string, message: string) =>
      formatRecord({ time: new Date(), pid: 9, level: 'ERROR', db, logger: 'odoo.http', message, traceback: ['Traceback (most recent call last):', 'ValueError: boom'] });
    const written = Date.now();
    await file.append(at('other-db', 'not for us') + at('tail-db', 'for us'));
    await file.close();
    let text = '';
    while (!text.includes('ValueError')) text += new TextDecoder().decode((await reader.read()).value);
    expect(Date.now() - written).toBeLessThan(1000);
    const event = JSON.parse(text.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    expect(event.lines.map((l: { text: string }) => l.text)).toEqual([
      expect.stringMatching(/ ERROR tail-db odoo\.http: for us$/),
      'Traceback (most recent call last):',
      'ValueError: boom ',
    ]);
    controller.abort();

    // With a backlog, the last matching lines already written come first.
    const again = await fetch(baseUrl() + '/api/logs/local/tail?db=tail-db&backlog=2', { headers: { cookie: technical.cookie } });
    const r2 = again.body!.getReader();
    let first = '';
    while (!first.includes('data: ')) first += new TextDecoder().decode((await r2.read()).value);
    const backlog = JSON.parse(first.slice(first.indexOf('data: ') + 6).split('\n')[0]);
    expect(backlog.lines.map((l: { text: string }) => l.text)).toEqual(['Traceback (most recent call last):', 'ValueError: boom ']);
    await r2.cancel();
  });

  it('caps live tails per agent and in total with a 429 that says why, and frees a slot when its tail closes', async () => {
    // A server of the test's own over the same metabase, with small caps: 2 per agent, 3 in all.
    const capped: App = Object.assign(Object.create(app) as App, {
      config: { ...app.config, logs: { ...app.config.logs, tailsPerAgent: 2, tailsTotal: 3 } },
    });
    const own = await createServer(capped);
    await own.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(own.server.address() as { port: number }).port}`;
    const opened: AbortController[] = [];
    const tail = async (who: AgentSession) => {
      const controller = new AbortController();
      const res = await fetch(`${base}/api/logs/local/tail`, { headers: { cookie: who.cookie }, signal: controller.signal });
      if (res.status === 200) {
        opened.push(controller);
        return { status: res.status, controller };
      }
      return { status: res.status, body: (await res.json()) as { error: { message: string } }, controller };
    };
    try {
      const [technical, infra] = await Promise.all([AgentSession.login('technical'), AgentSession.login('infra')]);
      expect((await tail(technical)).status).toBe(200);
      const second = await tail(technical);
      expect(second.status).toBe(200);
      const third = await tail(technical);
      expect(third.status).toBe(429);
      expect(third.body!.error.message).toMatch(/already follow 2 live logs/);
      expect((await tail(infra)).status).toBe(200);
      const full = await tail(infra);
      expect(full.status).toBe(429);
      expect(full.body!.error.message).toMatch(/3 live logs are followed already/);
      // Closing a tail gives its slot back (the tail notices within its 200 ms poll).
      second.controller.abort();
      const until = Date.now() + 5_000;
      let again = await tail(infra);
      while (again.status === 429 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        again = await tail(infra);
      }
      expect(again.status).toBe(200);
    } finally {
      for (const c of opened) c.abort();
      await own.close();
    }
  });

  it('the platform caps live tails with its defaults: one agent cannot open hundreds', async () => {
    const technical = await AgentSession.login('technical');
    const controllers: AbortController[] = [];
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= app.config.logs.tailsPerAgent; i++) {
        const controller = new AbortController();
        controllers.push(controller);
        const res = await fetch(baseUrl() + '/api/logs/local/tail', { headers: { cookie: technical.cookie }, signal: controller.signal });
        statuses.push(res.status);
        if (res.status !== 200) expect(res.headers.get('retry-after')).toBeTruthy();
      }
      expect(statuses).toEqual([...Array(app.config.logs.tailsPerAgent).fill(200), 429]);
    } finally {
      for (const c of controllers) c.abort();
    }
  });
});
