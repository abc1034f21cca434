import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { executeOperation } from '../../src/operations/execute.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { AgentSession, call } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let db: DatabaseRow;
let technical: AgentSession;
let users: { id: number; login: string; isAdmin: boolean; active: boolean; lastLogin: string | null }[];

beforeAll(async () => {
  app = await connectTestApp();
  db = await createTestTenant(app, { prefix: 'imp' });
  technical = await AgentSession.login('technical');
  const page = await technical.get(`/api/databases/${db.name}`);
  users = page.body.tools.impersonation.users;
});
afterAll(() => app.close());

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('token')!;
}

const verify = (token: string) => call('POST', '/api/impersonation/verify', { body: { token } });

function employee() {
  return users.find((u) => !u.isAdmin && u.active)!;
}

describe('impersonation', () => {
  it('lists internal users with their last login from res_users_log, without the superuser or portal users', async () => {
    const logins = users.map((u) => u.login);
    expect(logins).not.toContain('__system__');
    expect(
      logins.some((l) =>
        /@(brightside-catering|lakeview-hotel|hartley-events|sunny-deli|rivera-imports|klein-logistik|atlas-foods)\.example$/.test(
          l,
        ),
      ),
    ).toBe(false);
    const lastLogins = await app.tenants.withTenant(
      db,
      async (c) =>
        (
          await c.query<{ uid: number; at: Date }>(
            `SELECT create_uid AS uid, max(create_date) AT TIME ZONE 'UTC' AS at FROM res_users_log GROUP BY create_uid`,
          )
        ).rows,
    );
    for (const l of lastLogins) {
      const u = users.find((x) => x.id === l.uid);
      if (u) expect(new Date(u.lastLogin!).getTime()).toBe(l.at.getTime());
    }
    expect(users.filter((u) => u.isAdmin).length).toBeGreaterThan(0);
  });

  it('gives a signed login URL valid at most one hour, accepted once, then refused', async () => {
    const target = employee();
    const started = Date.now();
    const res = await technical.run(db.name, 'impersonate', {
      user: target.id,
      reason: 'ticket 4242: invoice layout',
    });
    expect(res.status).toBe(200);
    const { url, expiresAt } = res.body.result;
    expect(url).toMatch(
      new RegExp(`^https://${db.name.replace(/\./g, '\\.')}\\.dbtools\\.test/web/login/impersonate\\?token=`),
    );
    expect(new Date(expiresAt).getTime() - started).toBeLessThanOrEqual(3_600_000 + 5_000);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(started);

    const first = await verify(tokenOf(url));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ database: db.name, uid: target.id, login: target.login });
    const again = await verify(tokenOf(url));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already used/);
  });

  it('shows the active impersonation on the Tools page until the agent stops it, and logs start, use and stop', async () => {
    const target = employee();
    const res = await technical.run(db.name, 'impersonate', { user: target.id, reason: 'reproduce a bug' });
    const token = tokenOf(res.body.result.url);
    let page = await technical.get(`/api/databases/${db.name}`);
    expect(page.body.tools.impersonation.active).toMatchObject({
      userId: target.id,
      login: target.login,
      used: false,
    });
    expect(page.body.tools.impersonation.banner).toContain(`You are currently impersonating: `);
    expect(page.body.tools.impersonation.banner).toContain(target.login);
    // Another agent does not see this agent's session.
    const office = await AgentSession.login('saas-office');
    expect((await office.get(`/api/databases/${db.name}`)).body.tools.impersonation.active).toBeNull();

    expect((await verify(token)).status).toBe(200);
    const stop = await technical.run(db.name, 'stop-impersonation', { user: target.id });
    expect(stop.status).toBe(200);
    expect(stop.body.result.stopped).toEqual([
      expect.objectContaining({ id: target.id, login: target.login }),
    ]);
    page = await technical.get(`/api/databases/${db.name}`);
    expect(page.body.tools.impersonation.active).toBeNull();
    expect(page.body.tools.impersonation.banner).toBeNull();
    expect((await technical.run(db.name, 'stop-impersonation', {})).status).toBe(409);

    const log = (await technical.get(`/api/databases/${db.name}/support-logs`)).body.entries as {
      operation: string;
      agent_login: string;
      inputs: Record<string, unknown>;
      outcome: string;
    }[];
    const done = log.filter((e) => e.outcome === 'success').slice(0, 3);
    expect(done.map((e) => e.operation)).toEqual(['stop-impersonation', 'impersonation-use', 'impersonate']);
    for (const e of done) {
      expect(e.agent_login).toBe('technical');
      expect(e.inputs.user).toBe(target.id);
    }
  });

  it('refuses a token whose session was stopped before it was used', async () => {
    const target = employee();
    const res = await technical.run(db.name, 'impersonate', {
      user: target.id,
      reason: 'will stop before use',
    });
    await technical.run(db.name, 'stop-impersonation', {});
    const answer = await verify(tokenOf(res.body.result.url));
    expect(answer.status).toBe(403);
    expect(answer.body.error.message).toMatch(/stopped/);
  });

  it('refuses a tampered token: changed claims, changed signature, garbage', async () => {
    const target = employee();
    const res = await technical.run(db.name, 'impersonate', { user: target.id, reason: 'tampering test' });
    const token = tokenOf(res.body.result.url);
    const [payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, uid: 2 })).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    for (const bad of [
      `${forged}.${signature}`,
      `${payload}.${flipped}`,
      'not-a-token',
      `${payload}.`,
      `.${signature}`,
    ]) {
      const answer = await verify(bad);
      expect(answer.status, bad).toBe(403);
      expect(answer.body.error.message).toMatch(/not valid/);
    }
    // The real token still works once: refusals do not consume it.
    expect((await verify(token)).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    // An App whose clock is two hours behind: the session it records expired an hour ago.
    const past = await connectTestApp({ now: () => new Date(Date.now() - 2 * 3_600_000) });
    try {
      const agent = (await findAgentByLogin(past.metabase, 'technical'))!;
      const result = (await executeOperation(past, {
        agent,
        database: db.name,
        operation: 'impersonate',
        input: { user: employee().id, reason: 'expiry test' },
        requestId: 'test-expiry',
      })) as { url: string; expiresAt: Date };
      expect(result.expiresAt.getTime()).toBeLessThan(Date.now());
      const answer = await verify(tokenOf(result.url));
      expect(answer.status).toBe(403);
      expect(answer.body.error.message).toMatch(/expired/);
    } finally {
      await past.close();
    }
  });

  it('needs the impersonation_admin level (4) to impersonate an administrator of the database', async () => {
    const admin = users.find((u) => u.isAdmin && u.active)!;
    const refused = await technical.run(db.name, 'impersonate', { user: admin.id, reason: 'admin please' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/administrator.*SaaS Office/);
    const tool = (await technical.get(`/api/databases/${db.name}`)).body.tools.impersonation;
    expect(tool.users.find((u: { id: number }) => u.id === admin.id).canImpersonate).toBe(false);
    expect(tool.adminLevel).toEqual({ value: 4, name: 'SaaS Office' });

    const office = await AgentSession.login('saas-office');
    const granted = await office.run(db.name, 'impersonate', { user: admin.id, reason: 'admin please' });
    expect(granted.status).toBe(200);
    await office.run(db.name, 'stop-impersonation', {});
  });

  it('refuses agents below the impersonation level, a missing reason and users that are not internal', async () => {
    const functional = await AgentSession.login('functional');
    expect(
      (await functional.run(db.name, 'impersonate', { user: employee().id, reason: 'nope' })).status,
    ).toBe(403);
    expect((await technical.runUntyped(db.name, 'impersonate', { user: employee().id })).status).toBe(422);
    // user_root (__system__) and the public user are not people one signs in as.
    for (const id of [1, 3])
      expect((await technical.run(db.name, 'impersonate', { user: id, reason: 'root' })).status).toBe(404);
  });
});
