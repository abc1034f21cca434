import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import {
  databaseHost,
  frontEndOf,
  NginxConfigError,
  nginxUser,
  applySite,
  removeSite,
  siteFile,
  startFrontEnd,
  startFrontEnds,
  webrootOf,
  writeSite,
  type RunningFrontEnd,
} from '../../src/frontend/index.js';
import { workerPids } from '../../src/frontend/nginx.js';
import { insertDatabases, updateDatabase } from '../../src/metabase/repositories/databases.js';
import { listServers, upsertServer } from '../../src/metabase/repositories/servers.js';
import type { HostingServerRow } from '../../src/metabase/schema.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { selfSignedCertificate } from '../support/domains.js';
import { testEnv } from '../support/env.js';
import { requestThrough, tlsThrough } from '../support/front-end.js';
import { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';

/*
 * Two hosting servers of their own, registered in a metabase of their own (a database on the
 * run's cluster), so their front ends, addresses and port pair never meet the shared platform's.
 */
let shared: App & { close(): Promise<void> };
let platform: Platform;
let app: App;
let dir: string;
let metabaseName: string;
let adminUrl: string;
let frontEnds: { running: RunningFrontEnd[]; stop(): Promise<void> };
let serverA: HostingServerRow;
let serverB: HostingServerRow;

async function uidOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
}

async function addDatabase(name: string, server: HostingServerRow, secure = false): Promise<void> {
  const base = demoDatabases(app.now()).find((d) => d.metabase.name === 'acme-bakery')!;
  await insertDatabases(app.metabase, [
    { ...base.metabase, duplicate_of: null, name, uuid: randomUUID(), secure, server_id: server.id },
  ]);
}

const made = new Map<string, Promise<{ certFile: string; keyFile: string }>>();
/** One self-signed certificate per domain for the whole file. */
function certOf(domain: string): Promise<{ certFile: string; keyFile: string }> {
  if (!made.has(domain)) made.set(domain, selfSignedCertificate(path.join(dir, 'certs'), domain));
  return made.get(domain)!;
}

/** `openssl s_client -servername`, its stdin at end of file so it leaves after the handshake. */
function sClient(address: string, port: number, servername: string, extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'openssl',
      ['s_client', '-connect', `${address}:${port}`, '-servername', servername, ...extra],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

function hostOf(database: string): string {
  return databaseHost(database, app.config.platformZone);
}

function through(server: HostingServerRow, host: string, urlPath = '/') {
  const fe = frontEndOf(server)!;
  return requestThrough(fe.address, fe.httpPort, host, urlPath);
}

beforeAll(async () => {
  shared = await connectTestApp();
  const local = await embeddedServer(shared);
  metabaseName = `dbtools_fe_${process.pid}_${Date.now().toString(36)}`;
  await shared.tenants.withCluster(local.id, (admin) => admin.query(`CREATE DATABASE ${metabaseName}`));
  adminUrl = `postgres://${encodeURIComponent(local.superuser)}:${encodeURIComponent(local.password ?? '')}@127.0.0.1:${local.port}`;
  dir = await mkdtemp(path.join(tmpdir(), 'dbtools-front-end-'));
  await chmod(dir, 0o755);
  const servers = ['fe-a', 'fe-b'].map((name) => ({
    name,
    url: `${adminUrl}/postgres`,
    filestoreRoot: path.join(dir, name, 'filestore'),
    backupRoot: path.join(dir, name, 'backups'),
    logDir: path.join(dir, name, 'logs'),
    configDir: path.join(dir, name, 'config'),
  }));
  const configFile = path.join(dir, 'servers.json');
  await writeFile(configFile, JSON.stringify({ servers }));
  const config = loadConfig(
    testEnv(dir, { DBTOOLS_METABASE_URL: `${adminUrl}/${metabaseName}`, DBTOOLS_CONFIG: configFile }),
  );
  platform = await startPlatform(config, { durable: false, log: pino({ level: 'warn' }) });
  app = platform.app;
  const rows = await listServers(app.metabase);
  await addDatabase(
    'shop',
    rows.find((s) => s.name === 'fe-a')!,
    false,
  );
  await addDatabase(
    'atelier',
    rows.find((s) => s.name === 'fe-b')!,
    true,
  );
  frontEnds = await startFrontEnds(app, rows);
  [serverA, serverB] = ['fe-a', 'fe-b'].map(
    (n) => frontEnds.running.find((f) => f.server.name === n)!.server,
  );
});

afterAll(async () => {
  await frontEnds?.stop();
  await platform?.close();
  await shared.tenants.withCluster((await embeddedServer(shared)).id, (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${metabaseName} WITH (FORCE)`),
  );
  await shared.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the front end of each hosting server', () => {
  it('gives each hosting server its own loopback address and one shared port pair, kept in the metabase', async () => {
    const stored = await listServers(app.metabase);
    const a = frontEndOf(stored.find((s) => s.name === 'fe-a')!)!;
    const b = frontEndOf(stored.find((s) => s.name === 'fe-b')!)!;
    expect([a.address, b.address]).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(b.httpPort).toBe(a.httpPort);
    expect(b.httpsPort).toBe(a.httpsPort);
    expect(a.httpsPort).not.toBe(a.httpPort);
    const conf = await readFile(frontEnds.running[1].paths.conf, 'utf8');
    expect(conf).toContain(`listen 127.0.0.2:${b.httpPort} default_server;`);
  });

  it('runs nginx as a non-root user: the master and its workers', async () => {
    for (const fe of frontEnds.running) {
      const workers = await workerPids(fe.master);
      expect(workers.length).toBeGreaterThan(0);
      for (const pid of [fe.master, ...workers]) {
        const uid = await uidOf(pid);
        expect(uid).not.toBe(0);
        if (process.getuid?.() === 0) expect(uid).toBe(nginxUser()!.uid);
        else expect(uid).toBe(process.getuid?.());
      }
    }
  });

  it("answers a database's host with that database's name, and an unknown host with 404", async () => {
    const shop = await through(serverA, hostOf('shop'));
    expect(shop.status).toBe(200);
    expect(shop.body).toBe('shop\n');
    expect((await through(serverA, 'nobody.example.test')).status).toBe(404);
  });

  it("serves each server's databases on that server's address only", async () => {
    expect((await through(serverB, hostOf('atelier'))).body).toBe('atelier\n');
    expect((await through(serverB, hostOf('shop'))).status).toBe(404);
    expect((await through(serverA, hostOf('atelier'))).status).toBe(404);
  });

  it('never sends HSTS or a Secure cookie over plain HTTP; a secure database gets SameSite=Lax there', async () => {
    const atelier = await through(serverB, hostOf('atelier'));
    expect(atelier.body).toBe('atelier\n');
    expect(atelier.headers['strict-transport-security']).toBeUndefined();
    expect(atelier.headers['set-cookie']![0]).toMatch(/SameSite=Lax/i);
    expect(atelier.headers['set-cookie']![0]).not.toMatch(/; Secure/i);
    await writeSite(app, serverA, 'shop', { secure: true });
    const shop = await through(serverA, hostOf('shop'));
    expect(shop.headers['strict-transport-security']).toBeUndefined();
    expect(shop.headers['set-cookie']![0]).toMatch(/SameSite=Lax/i);
    await writeSite(app, serverA, 'shop', { secure: false });
    const plain = await through(serverA, hostOf('shop'));
    expect(plain.headers['set-cookie']![0]).toBe('session_id=placeholder; Max-Age=604800; HttpOnly; Path=/');
  });

  it('says no version in Server, and sends nosniff and a Referrer-Policy on every answer, its own 404s too', async () => {
    for (const res of [
      await through(serverA, hostOf('shop')),
      await through(serverB, hostOf('atelier')),
      await through(serverA, 'nobody.example.test'),
      await through(serverA, hostOf('shop'), '/.well-known/acme-challenge/missing'),
    ]) {
      expect(res.headers.server).toBe('nginx');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    }
    expect((await through(serverA, 'nobody.example.test')).body).not.toMatch(/nginx\/\d/);
  });

  it('answers http-01 challenges from the webroot for any name, before the name has a site', async () => {
    const challenges = path.join(webrootOf(serverA), '.well-known', 'acme-challenge');
    await mkdir(challenges, { recursive: true });
    await writeFile(path.join(challenges, 'tok-123'), 'tok-123.thumbprint');
    const res = await through(serverA, 'new-domain.example.test', '/.well-known/acme-challenge/tok-123');
    expect(res.status).toBe(200);
    expect(res.body).toBe('tok-123.thumbprint');
    // The same path on a database's own host is answered from the webroot too, not by Odoo.
    expect((await through(serverA, hostOf('shop'), '/.well-known/acme-challenge/tok-123')).body).toBe(
      'tok-123.thumbprint',
    );
  });

  it('serves a custom domain with an active certificate over TLS for its name, with a key only nginx can read', async () => {
    const { certFile, keyFile } = await certOf('shop.example.test');
    const cert = await readFile(certFile, 'utf8');
    await writeSite(app, serverA, 'shop', {
      secure: false,
      tlsDomains: [{ domain: 'shop.example.test', certFile, keyFile }],
    });
    const key = await stat(keyFile);
    expect(key.mode & 0o777).toBe(0o600);
    expect(key.uid).toBe(nginxUser()?.uid ?? process.getuid?.());
    const fe = frontEndOf(serverA)!;
    const served = await tlsThrough(fe.address, fe.httpsPort, 'shop.example.test', cert);
    expect(served.subjectCN).toBe('shop.example.test');
    expect(served.body).toBe('shop\n');
    const stdout = await sClient(fe.address, fe.httpsPort, 'shop.example.test');
    expect(stdout).toContain('subject=CN = shop.example.test');
    // An unknown name gets no certificate at all.
    await expect(tlsThrough(fe.address, fe.httpsPort, 'other.example.test', cert)).rejects.toThrow();
    // Security features off: no HSTS, the cookie as Odoo sets it, and plain HTTP still answers.
    expect(served.headers['strict-transport-security']).toBeUndefined();
    expect(served.headers['set-cookie']![0]).toBe('session_id=placeholder; Max-Age=604800; HttpOnly; Path=/');
    expect((await through(serverA, 'shop.example.test')).body).toBe('shop\n');
  });

  it('speaks TLS 1.3, and 1.2 for older clients', async () => {
    const fe = frontEndOf(serverA)!;
    const files = await certOf('shop.example.test');
    await writeSite(app, serverA, 'shop', { secure: false, tlsDomains: [{ domain: 'shop.example.test', ...files }] });
    const ca = await readFile(files.certFile, 'utf8');
    const v13 = await tlsThrough(fe.address, fe.httpsPort, 'shop.example.test', ca, { minVersion: 'TLSv1.3' });
    expect(v13.protocol).toBe('TLSv1.3');
    expect(v13.body).toBe('shop\n');
    const v12 = await tlsThrough(fe.address, fe.httpsPort, 'shop.example.test', ca, { maxVersion: 'TLSv1.2' });
    expect(v12.protocol).toBe('TLSv1.2');
    const s13 = await sClient(fe.address, fe.httpsPort, 'shop.example.test', ['-tls1_3']);
    expect(s13).toMatch(/New, TLSv1\.3, Cipher is TLS_/);
  });

  it('with the security features on and a certificate: HSTS and a Secure cookie over HTTPS, and HTTP redirected there (challenges excepted)', async () => {
    const fe = frontEndOf(serverA)!;
    const files = await certOf('shop.example.test');
    await writeSite(app, serverA, 'shop', { secure: true, tlsDomains: [{ domain: 'shop.example.test', ...files }] });
    const ca = await readFile(files.certFile, 'utf8');
    const tlsAnswer = await tlsThrough(fe.address, fe.httpsPort, 'shop.example.test', ca, { path: '/web/login' });
    expect(tlsAnswer.body).toBe('shop\n');
    expect(tlsAnswer.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(tlsAnswer.headers['set-cookie']![0]).toMatch(/; Secure/i);
    expect(tlsAnswer.headers['set-cookie']![0]).toMatch(/SameSite=Lax/i);
    expect(tlsAnswer.headers['x-content-type-options']).toBe('nosniff');
    expect(tlsAnswer.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(tlsAnswer.headers.server).toBe('nginx');

    const redirected = await through(serverA, 'shop.example.test', '/web/login?db=shop');
    expect(redirected.status).toBe(308);
    expect(redirected.headers.location).toBe(`https://shop.example.test:${fe.httpsPort}/web/login?db=shop`);
    expect(redirected.headers['strict-transport-security']).toBeUndefined();
    // Renewals (http-01) still reach the webroot over HTTP.
    const challenges = path.join(webrootOf(serverA), '.well-known', 'acme-challenge');
    await mkdir(challenges, { recursive: true });
    await writeFile(path.join(challenges, 'renew-1'), 'renew-1.thumbprint');
    const renewal = await through(serverA, 'shop.example.test', '/.well-known/acme-challenge/renew-1');
    expect(renewal.status).toBe(200);
    expect(renewal.body).toBe('renew-1.thumbprint');
    // The platform host has no certificate: it is served over HTTP, without HSTS or a Secure cookie.
    const own = await through(serverA, hostOf('shop'));
    expect(own.status).toBe(200);
    expect(own.headers['strict-transport-security']).toBeUndefined();
    expect(own.headers['set-cookie']![0]).not.toMatch(/; Secure/i);

    // Security features off again: no redirect, no HSTS even over HTTPS.
    await writeSite(app, serverA, 'shop', { secure: false, tlsDomains: [{ domain: 'shop.example.test', ...files }] });
    expect((await through(serverA, 'shop.example.test')).status).toBe(200);
    const off = await tlsThrough(fe.address, fe.httpsPort, 'shop.example.test', ca);
    expect(off.headers['strict-transport-security']).toBeUndefined();
    expect(off.headers['set-cookie']![0]).not.toMatch(/; Secure/i);
    // Left secure with its certificate for the tests that follow.
    await writeSite(app, serverA, 'shop', { secure: true, tlsDomains: [{ domain: 'shop.example.test', ...files }] });
  });

  it('refuses a site that nginx -t rejects, writes nothing and keeps serving the previous configuration', async () => {
    const file = siteFile(serverA, 'shop');
    const before = await readFile(file, 'utf8');
    const broken = path.join(dir, 'certs', 'broken.crt');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    const { keyFile } = await selfSignedCertificate(path.join(dir, 'certs'), 'broken.example.test');
    await expect(
      writeSite(app, serverA, 'shop', {
        secure: false,
        tlsDomains: [{ domain: 'broken.example.test', certFile: broken, keyFile }],
      }),
    ).rejects.toBeInstanceOf(NginxConfigError);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await readdir(path.dirname(file))).filter((f) => !f.endsWith('.conf'))).toEqual([]);
    const still = await through(serverA, hostOf('shop'));
    expect(still.body).toBe('shop\n');
    // The previous site (secure, with its certificate) still redirects its custom domain.
    expect((await through(serverA, 'shop.example.test')).status).toBe(308);
  });

  it('lets concurrent writers of one server through one at a time, every change landing', async () => {
    const names = ['c-1', 'c-2', 'c-3', 'c-4'];
    for (const n of names) await addDatabase(n, serverB);
    await Promise.all(names.map((n, i) => writeSite(app, serverB, n, { secure: i % 2 === 0 })));
    for (const [i, n] of names.entries()) {
      const res = await through(serverB, hostOf(n));
      expect(res.body).toBe(`${n}\n`);
      expect(res.headers['set-cookie']![0].includes('SameSite=Lax')).toBe(i % 2 === 0);
    }
  });

  it("removeSite takes the database's file away and its names stop answering", async () => {
    await removeSite(app, serverA, 'shop');
    await expect(stat(siteFile(serverA, 'shop'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await through(serverA, hostOf('shop'))).status).toBe(404);
    expect((await through(serverA, 'shop.example.test')).status).toBe(404);
    expect((await through(serverB, hostOf('atelier'))).body).toBe('atelier\n');
  });

  it('applySite takes away the site of a database that was removed', async () => {
    await addDatabase('gone', serverB);
    await applySite(app, 'gone');
    expect((await through(serverB, hostOf('gone'))).body).toBe('gone\n');
    await updateDatabase(app.metabase, 'gone', { state: 'removed' });
    await applySite(app, 'gone');
    await expect(stat(siteFile(serverB, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await through(serverB, hostOf('gone'))).status).toBe(404);
  });
});

describe('starting a front end', () => {
  it('takes over the nginx a previous process left running, with this process as its backend', async () => {
    const first = frontEnds.running.find((f) => f.server.name === 'fe-b')!;
    const again = (await startFrontEnd(app, serverB))!;
    try {
      expect(again.master).toBe(first.master);
      expect((await through(serverB, hostOf('atelier'))).body).toBe('atelier\n');
    } finally {
      frontEnds.running.push(again); // stopped with the others
    }
  });

  it("refuses to start when the server's address and port are taken, saying so, and startFrontEnds goes on", async () => {
    const c = await upsertServer(app.metabase, {
      name: 'fe-c',
      host: serverA.host,
      port: serverA.port,
      superuser: serverA.superuser,
      password: serverA.password,
      filestore_root: path.join(dir, 'fe-c', 'filestore'),
      backup_root: path.join(dir, 'fe-c', 'backups'),
      log_dir: path.join(dir, 'fe-c', 'logs'),
      config_dir: path.join(dir, 'fe-c', 'config'),
    });
    const squatter = net.createServer();
    await new Promise<void>((resolve) =>
      squatter.listen(frontEndOf(serverA)!.httpPort, '127.0.0.3', resolve),
    );
    try {
      await expect(startFrontEnd(app, c)).rejects.toThrow(/Address already in use/);
      expect((await startFrontEnds(app, [c])).running).toEqual([]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

describe("the platform's own front end", () => {
  it('serves every database of the embedded server, and a new duplicate as soon as its job completes', async () => {
    const local = await embeddedServer(shared);
    const source = await createTestTenant(shared, { prefix: 'fe-dup' });
    const functional = await AgentSession.login('functional');
    const res = await functional.run(source.name, 'duplicate', {});
    expect(res.status).toBe(200);
    expect((await waitForJob(functional, res.body.job.id)).state).toBe('completed');
    const fe = frontEndOf(local)!;
    const copy = await requestThrough(
      fe.address,
      fe.httpPort,
      databaseHost(res.body.name, shared.config.platformZone),
    );
    expect(copy.body).toBe(`${res.body.name}\n`);
    const demo = await requestThrough(
      fe.address,
      fe.httpPort,
      databaseHost('acme-bakery', shared.config.platformZone),
    );
    expect(demo.body).toBe('acme-bakery\n');
  });
});
