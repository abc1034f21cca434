import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { databaseHost, frontEndOf, renderServerBlock, siteFile } from '../../src/frontend/index.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { requestThrough } from '../support/front-end.js';
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

describe('set-security', () => {
  let db: DatabaseRow;
  beforeAll(async () => {
    db = await createTestTenant(app, { prefix: 'sec', metabase: { secure: false } });
  });

  it('sets the secure flag and the front end serves the database with SameSite=Lax cookies (no HSTS over plain HTTP), then without', async () => {
    const res = await technical.run(db.name, 'set-security', { enabled: true });
    expect(res.status).toBe(200);
    const { configFile, secure } = res.body.result;
    expect(secure).toBe(true);
    const row = await app.metabase
      .selectFrom('database')
      .select('secure')
      .where('name', '=', db.name)
      .executeTakeFirstOrThrow();
    expect(row.secure).toBe(true);
    const server = await app.tenants.server(db.server_id);
    expect(configFile).toBe(siteFile(server, db.name));
    const text = await readFile(configFile, 'utf8');
    // No certificate for the database's names yet: HSTS and the Secure flag wait for HTTPS.
    expect(text).not.toContain('Strict-Transport-Security');
    expect(text).toContain('proxy_cookie_flags session_id samesite=lax;');

    const tool = (await technical.call('GET /api/databases/:name', { params: { name: db.name } })).body.tools.security_features;
    expect(tool).toMatchObject({ secure: true, hsts: 'max-age=31536000', configFile, configured: true });

    const front = frontEndOf(server)!;
    const host = databaseHost(db.name, app.config.platformZone);
    const on = await requestThrough(front.address, front.httpPort, host, '/web/login');
    expect(on.body).toBe(`${db.name}\n`);
    expect(on.headers['strict-transport-security']).toBeUndefined();
    expect(on.headers['set-cookie']![0]).toMatch(/^session_id=placeholder;.*; HttpOnly; .*SameSite=Lax/i);
    expect(on.headers['set-cookie']![0]).not.toMatch(/; Secure/i);

    const off = await technical.run(db.name, 'set-security', { enabled: false });
    expect(off.status).toBe(200);
    const plain = await readFile(configFile, 'utf8');
    expect(plain).not.toContain('Strict-Transport-Security');
    expect(plain).not.toContain('proxy_cookie_flags');
    const after = await requestThrough(front.address, front.httpPort, host, '/web/login');
    expect(after.body).toBe(`${db.name}\n`);
    expect(after.headers['strict-transport-security']).toBeUndefined();
    expect(after.headers['set-cookie']![0]).toBe('session_id=placeholder; Max-Age=604800; HttpOnly; Path=/');
  });

  it('is refused below the security_features level', async () => {
    const functional = await AgentSession.login('functional');
    expect((await functional.run(db.name, 'set-security', { enabled: true })).status).toBe(403);
  });

  it('refuses to render names that could inject nginx directives', () => {
    expect(() => renderServerBlock({ database: 'x; include /etc/passwd', secure: true })).toThrow();
    expect(() =>
      renderServerBlock({ database: 'ok', secure: true, serverNames: ['a.test; return 200'] }),
    ).toThrow();
    expect(() => renderServerBlock({ database: 'ok', secure: true, listen: '80; evil' })).toThrow();
    expect(() =>
      renderServerBlock({ database: 'ok', secure: true, webroot: '/srv/x"; return 200 "' }),
    ).toThrow();
    expect(() =>
      renderServerBlock({
        database: 'ok',
        secure: true,
        tlsDomains: [{ domain: 'shop.example.com', certFile: '/etc/$host.pem', keyFile: '/etc/k.pem' }],
      }),
    ).toThrow();
  });
});
