import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { hashPassword } from '../../src/agents/password.js';
import { createServer } from '../../src/api/server.js';
import { PLATFORM_DOMAIN } from '../../src/frontend/index.js';
import { jobSeenBy } from '../../src/jobs/job-access.js';
import { findAgentByLogin, upsertAgent } from '../../src/metabase/repositories/agents.js';
import { findJob } from '../../src/metabase/repositories/jobs.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { getConfigParameter, setConfigParameter } from '../../src/tenant/config-parameters.js';
import { AgentSession, call, type Answer } from '../support/http.js';
import { baseUrl, connectTestApp } from '../support/platform.js';
import { waitForJob } from '../support/jobs.js';
import { createTestTenant } from '../support/tenants.js';

/**
 * What an attack probe found against the API (issue 10, findings 4, 5, 7 and 8), each as the
 * rule that now holds, over HTTP against the real platform.
 */
let app: App & { close(): Promise<void> };
let technical: AgentSession;
let infra: AgentSession;
let technicalToken: string;
let seq = 0;

beforeAll(async () => {
  app = await connectTestApp();
  [technical, infra] = await Promise.all([AgentSession.login('technical'), AgentSession.login('infra')]);
  technicalToken = (await technical.post('/api/tokens', { name: 'attack-api' })).body.token;
});
afterAll(() => app.close());

const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;

/** An agent of our own (random logins and rate limits must not touch the demo agents). */
async function newAgent(level: number, password = 'right-password'): Promise<string> {
  const login = unique(`atk${level}`);
  await upsertAgent(app.metabase, { login, name: login, level, password_hash: await hashPassword(password) });
  return login;
}

/** A login from a chosen loopback address (127.0.0.0/8 is all ours): another source for the limit. */
function loginFrom(localAddress: string, login: string, password: string): Promise<Answer> {
  const url = new URL('/api/session', baseUrl());
  const payload = JSON.stringify({ login, password });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function expectRefused(res: Answer, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
}

async function employee(db: DatabaseRow): Promise<{ id: number; login: string }> {
  const users = (await technical.get(`/api/databases/${db.name}`)).body.tools.impersonation.users as {
    id: number;
    login: string;
    isAdmin: boolean;
    active: boolean;
  }[];
  return users.find((u) => !u.isAdmin && u.active)!;
}

describe('impersonation (finding 4)', () => {
  it('a link is refused with 403 when its user became an administrator after it was made, and the refused use is logged', async () => {
    const db = await createTestTenant(app, { prefix: 'atk-imp' });
    const user = await employee(db);
    const made = await technical.run(db.name, 'impersonate', { user: user.id, reason: 'ticket 10: escalation probe' });
    expect(made.status).toBe(200);
    expect((await technical.run(db.name, 'reset-admin-rights', { user: user.id })).status).toBe(200);

    const token = new URL(made.body.result.url).searchParams.get('token')!;
    const used = await call('POST', '/api/impersonation/verify', { body: { token } });
    expectRefused(used, 403);
    expect(used.body.error.message).toMatch(/administrator/);

    const history = (await technical.get(`/api/databases/${db.name}/support-logs`)).body.entries as {
      operation: string;
      outcome: string;
      message: string | null;
    }[];
    expect(history.find((e) => e.operation === 'impersonation-use')).toMatchObject({
      outcome: 'failure',
      message: expect.stringMatching(/administrator/),
    });
  });
});

describe('login limit (finding 5)', () => {
  it('of 50 parallel attempts (49 wrong, 1 right) at most 5 are checked; the rest are 429 with Retry-After', async () => {
    const login = await newAgent(1);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('POST', '/api/session', { body: { login, password: i === 25 ? 'right-password' : 'wrong' } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => [200, 401, 429].includes(s)), statuses.join(',')).toBe(true);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(5);
    for (const a of answers.filter((x) => x.status === 429)) {
      const retryAfter = Number(a.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    }
  });

  it('the limit holds per login across addresses: after 20 failures from four addresses, a fifth is refused even with the right password', async () => {
    const login = await newAgent(1);
    const failures = await Promise.all(
      ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'].flatMap((address) =>
        Array.from({ length: 5 }, () => loginFrom(address, login, 'wrong')),
      ),
    );
    expect(failures.map((f) => f.status)).toEqual(Array(20).fill(401));
    const fifth = await loginFrom('127.0.0.5', login, 'right-password');
    expectRefused(fifth, 429);
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('bad input is a 4xx {error}, never a 500 (finding 7)', () => {
  it('integers above int4 in operation inputs are a 422', async () => {
    const db = await createTestTenant(app, { prefix: 'atk-int' });
    for (const [operation, input] of [
      ['impersonate', { user: 2147483648, reason: 'probe above int4' }],
      ['reset-admin-rights', { user: 2147483648 }],
      ['grant-iap-credits', { account: 2147483648, credits: 1, reason: 'probe above int4' }],
      ['set-email-limit', { limit: 2147483648 }],
    ] as const) {
      expectRefused(await infra.run(db.name, operation, input), 422);
    }
  });

  it('a NUL in a query string is a 400, on search and on import-dump', async () => {
    expectRefused(await infra.get('/api/databases?q=a%00b'), 400);
    const upload = await call('POST', '/api/import-dump?name=a%00b', {
      headers: { cookie: infra.cookie, 'x-csrf-token': infra.csrfToken, 'content-type': 'application/zip' },
      rawBody: 'PK',
    });
    expectRefused(upload, 400);
  });

  it('a non-JSON content type on an operation is a 415', async () => {
    const db = await createTestTenant(app, { prefix: 'atk-ct' });
    for (const type of ['application/octet-stream', 'application/zip']) {
      const res = await call('POST', `/api/databases/${db.name}/operations/set-email-limit`, {
        headers: { cookie: infra.cookie, 'x-csrf-token': infra.csrfToken, 'content-type': type },
        rawBody: '{"limit": 5}',
      });
      expectRefused(res, 415);
    }
  });

  it('import-dump with a JSON body or no body is a 415 (found by the fuzz bench)', async () => {
    const headers = { cookie: infra.cookie, 'x-csrf-token': infra.csrfToken };
    expectRefused(await call('POST', `/api/import-dump?name=${unique('imp')}`, { headers }), 415);
    expectRefused(await call('POST', `/api/import-dump?name=${unique('imp')}`, { headers, body: { zip: 'PK' } }), 415);
  });

  it('a request line over 16 KB is a 431 {error} (found by the fuzz)', async () => {
    expectRefused(await infra.get(`/api/databases?q=${'x'.repeat(20_000)}`), 431);
  });

  it('JSON nested 50,000 deep is a 400', async () => {
    const db = await createTestTenant(app, { prefix: 'atk-deep' });
    const deep = '{"limit":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}';
    const res = await call('POST', `/api/databases/${db.name}/operations/set-email-limit`, {
      headers: { cookie: infra.cookie, 'x-csrf-token': infra.csrfToken },
      rawBody: deep,
    });
    expectRefused(res, 400);
  });

  it('set-security works on every valid database name (sec_under…, sec.-x…): distinct valid host names', async () => {
    const files: string[] = [];
    for (const prefix of ['sec_under', 'sec.-x']) {
      const db = await createTestTenant(app, { prefix });
      const res = await technical.run(db.name, 'set-security', { enabled: true });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      files.push(await readFile(res.body.result.configFile, 'utf8'));
    }
    const hosts = files.map((f) => /server_name ([^;]+);/.exec(f)![1]);
    const dnsName = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
    for (const h of hosts) expect(h).toMatch(dnsName);
    expect(new Set(hosts).size).toBe(2);
  });
});

describe('reads, links, limits, sessions, tokens, trials (finding 8)', () => {
  it('a job and its events are readable only from the level of the tool that started it', async () => {
    const db = await createTestTenant(app, { prefix: 'atk-job' });
    const started = await technical.run(db.name, 'backup-now');
    expect(started.status).toBe(200);
    const id = started.body.job.id;
    const functional = await AgentSession.login('functional');
    expectRefused(await functional.get(`/api/jobs/${id}`), 403);
    expectRefused(await functional.get(`/api/jobs/${id}/events`), 403);
    const viewer = await AgentSession.login('viewer');
    expectRefused(await viewer.get(`/api/jobs/${id}`), 403);
    expect((await technical.get(`/api/jobs/${id}`)).body).toMatchObject({ id, kind: 'backup' });

    // The Tools page names the job holding the database to everyone, without its result or error.
    const job = (await findJob(app.metabase, id))!;
    const [low, high] = await Promise.all(['functional', 'technical'].map((l) => findAgentByLogin(app.metabase, l)));
    await waitForJob(technical, id);
    const done = (await findJob(app.metabase, id))!;
    expect(jobSeenBy(app, low!, done)).toMatchObject({ id: job.id, kind: 'backup', readable: false, result: null, error: null });
    expect(jobSeenBy(app, high!, done)).toMatchObject({ readable: true, result: expect.objectContaining({ backup: expect.any(Number) }) });
  });

  it("the impersonation link's host comes from the platform zone, not from the tenant's web.base.url", async () => {
    const db = await createTestTenant(app, { prefix: 'atk-host' });
    await app.tenants.withTenant(db, (c) => setConfigParameter(c, 'web.base.url', 'https://collector.example'));
    const user = await employee(db);
    const res = await technical.run(db.name, 'impersonate', { user: user.id, reason: 'ticket 10: host probe' });
    expect(res.status).toBe(200);
    // The test platform's zone is the default one.
    expect(new URL(res.body.result.url).host).toBe(`${db.name}.${PLATFORM_DOMAIN}`);
  });

  it('a limit of null, "" or [] is refused (422), not read as 0', async () => {
    const db = await createTestTenant(app, { prefix: 'atk-limit', metabase: { email_daily_limit: 200, duplicate_limit: 3 } });
    for (const limit of [null, '', []]) {
      expectRefused(await infra.run(db.name, 'set-email-limit', { limit }), 422);
      expectRefused(await infra.run(db.name, 'set-duplicate-limit', { limit }), 422);
    }
    expect(await findDatabase(app.metabase, db.name)).toMatchObject({ email_daily_limit: 200, duplicate_limit: 3 });
  });

  it("a login replaces the session: the caller's previous session cookie stops working", async () => {
    const login = await newAgent(1);
    const first = await call('POST', '/api/session', { body: { login, password: 'right-password' } });
    const oldCookie = first.headers.get('set-cookie')!.split(';')[0];
    const second = await call('POST', '/api/session', {
      body: { login, password: 'right-password' },
      headers: { cookie: oldCookie },
    });
    expect(second.status).toBe(200);
    const newCookie = second.headers.get('set-cookie')!.split(';')[0];
    expect(newCookie).not.toBe(oldCookie);
    expectRefused(await call('GET', '/api/me', { headers: { cookie: oldCookie } }), 401);
    expect((await call('GET', '/api/me', { headers: { cookie: newCookie } })).status).toBe(200);
  });

  it('behind a trusted TLS proxy (DBTOOLS_TRUST_PROXY) the session cookie is Secure; an untrusted forwarded proto is ignored', async () => {
    const login = await newAgent(1);
    const body = JSON.stringify({ login, password: 'right-password' });
    const headers = { 'content-type': 'application/json', 'x-forwarded-proto': 'https' };
    const untrusted = await call('POST', '/api/session', { headers, rawBody: body });
    expect(untrusted.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);

    const proxied: App = Object.assign(Object.create(app) as App, { config: { ...app.config, trustProxy: true } });
    const server: FastifyInstance = await createServer(proxied);
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = server.server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${address.port}/api/session`, { method: 'POST', headers, body });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    } finally {
      await server.close();
    }
  });

  it('API tokens expire (default 90 days, expiresInDays), are listed without their secret and can be revoked', async () => {
    const login = await newAgent(2);
    const session = await AgentSession.login(login, 'right-password');
    const before = Date.now();
    const short = await session.post('/api/tokens', { name: 'nightly script', expiresInDays: 1 });
    const normal = await session.post('/api/tokens', { name: 'laptop' });
    expect(short.status).toBe(200);
    expect(new Date(short.body.expiresAt).getTime() - before).toBeGreaterThan(86_400_000 - 60_000);
    expect(new Date(short.body.expiresAt).getTime() - before).toBeLessThan(86_400_000 + 60_000);
    expect(new Date(normal.body.expiresAt).getTime() - before).toBeGreaterThan(89 * 86_400_000);

    const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
    expect((await call('GET', '/api/me', bearer(short.body.token))).status).toBe(200);
    const list = await session.get('/api/tokens');
    expect(list.body.tokens.map((t: { name: string }) => t.name)).toEqual(['laptop', 'nightly script']);
    expect(JSON.stringify(list.body)).not.toContain(short.body.token);
    expect(list.body.tokens[1]).toMatchObject({ id: short.body.id, lastUsedAt: expect.any(String) });
    expect(Object.keys(list.body.tokens[1]).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name']);

    const revoked = await call('DELETE', `/api/tokens/${short.body.id}`, {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(revoked.status).toBe(200);
    expectRefused(await call('GET', '/api/me', bearer(short.body.token)), 401);
    // Someone else's token id is as unknown as a missing one.
    expectRefused(await call('DELETE', `/api/tokens/${normal.body.id}`, bearer(technicalToken)), 404);

    await app.metabase
      .updateTable('api_token')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', normal.body.id)
      .execute();
    expectRefused(await call('GET', '/api/me', bearer(normal.body.token)), 401);
  });

  it('dbtools tokens create, list and revoke manage your own tokens through the API', async () => {
    const login = await newAgent(2);
    const session = await AgentSession.login(login, 'right-password');
    const own = (await session.post('/api/tokens', { name: 'cli' })).body.token as string;
    const bin = path.resolve(import.meta.dirname, '../../bin/dbtools.js');
    const dbtools = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [bin, ...args],
          { env: { ...process.env, DBTOOLS_URL: baseUrl(), DBTOOLS_TOKEN: own }, timeout: 30_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const created = await dbtools('tokens', 'create', 'report', '--days', '2', '--json');
    expect(created.code, created.stderr).toBe(0);
    const made = JSON.parse(created.stdout);
    expect(made.token).toMatch(/^dbt_/);
    expect(new Date(made.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);

    const listed = await dbtools('tokens', 'list', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((t: { name: string }) => t.name)).toEqual(['report', 'cli']);
    expect(listed.stdout).not.toContain(made.token);

    const revoked = await dbtools('tokens', 'revoke', String(made.id));
    expect(revoked.code, revoked.stderr).toBe(0);
    expectRefused(await call('GET', '/api/me', { headers: { authorization: `Bearer ${made.token}` } }), 401);
  });

  it('extend-trial with a day alone means the end of that day; a day that would shorten the trial is refused with the reason', async () => {
    const expiry = new Date(Date.now() + 9 * 86_400_000);
    expiry.setUTCHours(10, 43, 0, 0);
    const day = expiry.toISOString().slice(0, 10);
    const db = await createTestTenant(app, {
      prefix: 'atk-trial',
      metabase: { mode: 'trial', extra_apps: true, expire_date: expiry },
    });
    const functional = await AgentSession.login('functional');
    const before = new Date(expiry.getTime() - 86_400_000).toISOString().slice(0, 10);
    const shorter = await functional.run(db.name, 'extend-trial', { until: before });
    expectRefused(shorter, 422);
    expect(shorter.body.error.message).toMatch(/cannot move it earlier/);
    expect((await findDatabase(app.metabase, db.name))!.expire_date!.getTime()).toBe(expiry.getTime());

    const same = await functional.run(db.name, 'extend-trial', { until: day });
    expect(same.status).toBe(200);
    expect((await findDatabase(app.metabase, db.name))!.expire_date!.toISOString()).toBe(`${day}T23:59:59.000Z`);
    expect(await app.tenants.withTenant(db, (c) => getConfigParameter(c, 'database.expiration_date'))).toBe(
      `${day} 23:59:59`,
    );
  });
});
