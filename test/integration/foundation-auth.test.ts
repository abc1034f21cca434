import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { hashPassword } from '../../src/agents/password.js';
import { updateAgent, upsertAgent } from '../../src/metabase/repositories/agents.js';
import { AgentSession, call } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { idleSession, sessionIdleSeconds } from '../support/sessions.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
beforeAll(async () => {
  app = await connectTestApp();
});
afterAll(() => app.close());

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('CSRF', () => {
  it('refuses a cookie-authenticated mutation without or with a wrong X-CSRF-Token', async () => {
    const db = await createTestTenant(app, { prefix: 'csrf' });
    const s = await AgentSession.login('functional');
    const path = `/api/databases/${db.name}/operations/set-email-limit`;
    const none = await call('POST', path, { body: { limit: 10 }, headers: { cookie: s.cookie } });
    expect(none.status).toBe(403);
    expect(none.body.error.code).toBe('not_allowed');
    const wrong = await call('POST', path, {
      body: { limit: 10 },
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken + 'x' },
    });
    expect(wrong.status).toBe(403);
    const logout = await call('DELETE', '/api/session', { headers: { cookie: s.cookie } });
    expect(logout.status).toBe(403);
    expect((await s.run(db.name, 'set-email-limit', { limit: 10 })).status).toBe(200);
    // A read needs no token.
    expect((await s.call('GET /api/me')).status).toBe(200);
  });

  it('a Bearer token needs no CSRF token', async () => {
    const db = await createTestTenant(app, { prefix: 'csrf-bearer' });
    const s = await AgentSession.login('functional');
    const created = await s.call('POST /api/tokens', { body: { name: 'csrf test' } });
    expect(created.status).toBe(200);
    const headers = { authorization: `Bearer ${created.body.token}` };
    const res = await call('POST', `/api/databases/${db.name}/operations/set-email-limit`, {
      body: { limit: 11 },
      headers,
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ email_daily_limit: 11 });
    expect((await call('GET', '/api/me', { headers: { authorization: 'Bearer dbt_nope' } })).status).toBe(
      401,
    );
  });
});

describe('sessions', () => {
  it('logging out ends the session', async () => {
    const s = await AgentSession.login('helpdesk');
    const out = await call('DELETE', '/api/session', {
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/dbtools_session=;/);
    const me = await s.get('/api/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('unauthenticated');
  });

  it('a session idle for longer than the configured minutes expires; activity keeps it alive', async () => {
    const s = await AgentSession.login('helpdesk');
    await idleSession(app, s.cookie, app.config.sessionIdleMinutes - 1);
    expect((await s.call('GET /api/me')).status).toBe(200);
    // The request moved last_seen_at to now (it is written at most every half minute).
    expect(await sessionIdleSeconds(app, s.cookie)).toBeLessThan(5);
    await idleSession(app, s.cookie, app.config.sessionIdleMinutes + 1);
    const me = await s.get('/api/me');
    expect(me.status).toBe(401);
    expect(me.body.error.message).toMatch(/expired/);
  });

  it('the session cookie is HttpOnly and SameSite=Strict; GET /api/me names the agent and level', async () => {
    const res = await call('POST', '/api/session', {
      body: { login: 'technical', password: 'demo-password-for-tests' },
    });
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect(res.body.agent).toEqual({
      login: 'technical',
      name: 'Theo Technical',
      level: 3,
      levelName: 'Technical Support',
    });
  });
});

describe('logins', () => {
  it('the 6th failed login in a row for a login and address is refused with 429', async () => {
    const login = unique('nobody');
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', '/api/session', { body: { login, password: 'wrong' } });
      expect(res.status).toBe(401);
    }
    const sixth = await call('POST', '/api/session', { body: { login, password: 'wrong' } });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('too_many_requests');
    // Another login from the same address is not affected.
    expect(
      (await call('POST', '/api/session', { body: { login: unique('other'), password: 'wrong' } })).status,
    ).toBe(401);
  });

  it('a rate-limited login is refused even with the right password', async () => {
    const login = unique('locked-out');
    await upsertAgent(app.metabase, {
      login,
      name: login,
      level: 1,
      password_hash: await hashPassword('right-password'),
    });
    for (let i = 0; i < 5; i++) await call('POST', '/api/session', { body: { login, password: 'wrong' } });
    expect((await call('POST', '/api/session', { body: { login, password: 'right-password' } })).status).toBe(
      429,
    );
  });

  it('a disabled agent cannot log in, and its open session and tokens stop working', async () => {
    const login = unique('leaver');
    await upsertAgent(app.metabase, {
      login,
      name: 'Leaving Agent',
      level: 2,
      password_hash: await hashPassword('their-password'),
    });
    const s = await AgentSession.login(login, 'their-password');
    const token = (await s.call('POST /api/tokens', { body: { name: 'leaver' } })).body.token;
    await updateAgent(app.metabase, login, { disabled: true });
    const res = await call('POST', '/api/session', { body: { login, password: 'their-password' } });
    expect(res.status).toBe(401);
    expect((await s.call('GET /api/me')).status).toBe(401);
    expect((await call('GET', '/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
  });

  it('no route but the public ones answers without authentication', async () => {
    for (const path of [
      '/api/me',
      '/api/databases',
      '/api/databases/acme-bakery',
      '/api/operations',
      '/api/policy',
    ]) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(401);
    }
  });
});
