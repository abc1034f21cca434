import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  checkServerBlocks,
  NGINX_BIN,
  NginxConfigError,
  renderServerBlock,
  testNginxConf,
} from '../../src/frontend-config/nginx.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let technical: AgentSession;

beforeAll(async () => {
  app = await connectTestApp();
  technical = await AgentSession.login('technical');
});
afterAll(() => app.close());

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('set-security', () => {
  let db: DatabaseRow;
  beforeAll(async () => {
    db = await createTestTenant(app, { prefix: 'sec', metabase: { secure: false } });
  });

  it('sets the secure flag and writes a server block that nginx -t accepts, with HSTS and the cookie flags', async () => {
    const res = await technical.run(db.name, 'set-security', { enabled: true });
    expect(res.status).toBe(200);
    const { configFile, secure } = res.body.result;
    expect(secure).toBe(true);
    expect(
      (
        await app.metabase
          .selectFrom('database')
          .select('secure')
          .where('name', '=', db.name)
          .executeTakeFirstOrThrow()
      ).secure,
    ).toBe(true);
    const server = await app.tenants.server(db.server_id);
    expect(configFile).toBe(path.join(server.config_dir, 'nginx', `${db.name}.conf`));
    const text = await readFile(configFile, 'utf8');
    expect(text).toBe(renderServerBlock({ database: db.name, secure: true }));
    expect(text).toContain('add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(text).toContain('proxy_cookie_flags session_id secure samesite=lax;');
    await checkServerBlocks([configFile]);

    const tool = (await technical.get(`/api/databases/${db.name}`)).body.tools.security_features;
    expect(tool).toMatchObject({ secure: true, hsts: 'max-age=31536000', configFile, configured: true });

    const off = await technical.run(db.name, 'set-security', { enabled: false });
    expect(off.status).toBe(200);
    const plain = await readFile(configFile, 'utf8');
    expect(plain).not.toContain('Strict-Transport-Security');
    expect(plain).not.toContain('proxy_cookie_flags');
    await checkServerBlocks([configFile]);
  });

  it('is refused below the security_features level', async () => {
    const functional = await AgentSession.login('functional');
    expect((await functional.run(db.name, 'set-security', { enabled: true })).status).toBe(403);
  });

  it('nginx -t rejects a broken block, so a bad file is never written in place', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtools-nginx-bad-'));
    try {
      const bad = path.join(dir, 'bad.conf');
      await writeFile(bad, 'server { listen 80; proxy_cookie_flags; }\n');
      await expect(checkServerBlocks([bad])).rejects.toBeInstanceOf(NginxConfigError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to render names that could inject nginx directives', () => {
    expect(() => renderServerBlock({ database: 'x; include /etc/passwd', secure: true })).toThrow();
    expect(() =>
      renderServerBlock({ database: 'ok', secure: true, serverNames: ['a.test; return 200'] }),
    ).toThrow();
    expect(() => renderServerBlock({ database: 'ok', secure: true, listen: '80; evil' })).toThrow();
  });
});

describe('the generated block behind a real nginx', () => {
  let dir: string;
  let nginx: ChildProcess | undefined;
  let odoo: http.Server;
  const ports = { secure: 0, plain: 0 };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dbtools-nginx-run-'));
    // A stand-in for Odoo: sets session_id the way odoo/http.py does (HttpOnly, nothing else).
    odoo = http.createServer((req, res) => {
      res.setHeader(
        'Set-Cookie',
        'session_id=abc123; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=604800; HttpOnly; Path=/',
      );
      res.setHeader('Content-Type', 'text/plain');
      res.end(`odoo saw host=${req.headers.host} proto=${req.headers['x-forwarded-proto']}`);
    });
    await new Promise<void>((resolve) => odoo.listen(0, '127.0.0.1', resolve));
    const odooPort = (odoo.address() as net.AddressInfo).port;
    ports.secure = await freePort();
    ports.plain = await freePort();
    const blocks = [
      {
        file: path.join(dir, 'secure-db.conf'),
        block: { database: 'secure-db', secure: true, listen: `127.0.0.1:${ports.secure}` },
      },
      {
        file: path.join(dir, 'plain-db.conf'),
        block: { database: 'plain-db', secure: false, listen: `127.0.0.1:${ports.plain}` },
      },
    ];
    for (const b of blocks) await writeFile(b.file, renderServerBlock(b.block));
    const conf = path.join(dir, 'nginx.conf');
    await writeFile(
      conf,
      testNginxConf(
        dir,
        blocks.map((b) => b.file),
        `127.0.0.1:${odooPort}`,
      ),
    );
    nginx = spawn(
      NGINX_BIN,
      ['-e', path.join(dir, 'error.log'), '-p', dir + '/', '-c', conf, '-g', 'daemon off;'],
      {
        stdio: 'ignore',
      },
    );
    await Promise.all([waitForPort(ports.secure), waitForPort(ports.plain)]);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await new Promise((resolve) => odoo?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds HSTS and Secure + SameSite=Lax to session_id when the database is secure', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.secure}/web/login`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^odoo saw host=127\.0\.0\.1/);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^session_id=abc123;/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
  });

  it('leaves the cookie as Odoo set it and sends no HSTS when the database is not secure', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.plain}/web/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toBe(
      'session_id=abc123; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=604800; HttpOnly; Path=/',
    );
  });
});
